using System.Globalization;

namespace ChatWeb.Engine.Templates;

/// <summary>
/// Parses template pieces into a syntax tree. Supported statements: if/elif/else, for (with an
/// optional <c>if</c> filter and <c>else</c>), set (plain, namespace attribute, tuple and block
/// form), break/continue, and generation/endgeneration (ignored, as Hugging Face only uses it to
/// mark assistant spans). Anything else (macro, call, include, import, extends, block, filter,
/// with, raw...) throws a <see cref="TemplateException"/> naming it.
/// Expression precedence follows Jinja: conditional, or, and, not, comparison, + -, ~, * / // %,
/// **, unary minus, then postfix (attribute, index, slice, call) with filters and tests.
/// </summary>
internal sealed class JinjaParser
{
    private readonly List<TemplatePiece> _pieces;
    private int _piece;
    private List<JinjaToken> _tokens = [];
    private int _pos;

    private JinjaParser(List<TemplatePiece> pieces) => _pieces = pieces;

    public static IReadOnlyList<Node> Parse(string template)
    {
        var parser = new JinjaParser(JinjaLexer.Split(template));
        var body = parser.ParseBody(out var endTag);
        if (endTag is not null)
            throw TemplateException.Syntax($"unexpected '{endTag}'", parser.CurrentLine);
        return body;
    }

    private int CurrentLine => _piece < _pieces.Count ? _pieces[_piece].Line : _pieces.Count > 0 ? _pieces[^1].Line : 1;

    /// <summary>Parses nodes until a statement whose keyword is in <paramref name="stopAt"/> (returned, tokens positioned after it) or the end.</summary>
    private List<Node> ParseBody(out string? endTag, params string[] stopAt)
    {
        var nodes = new List<Node>();
        while (_piece < _pieces.Count)
        {
            var piece = _pieces[_piece++];
            switch (piece.Kind)
            {
                case PieceKind.Text:
                    nodes.Add(new TextNode(piece.Source, piece.Line));
                    break;
                case PieceKind.Output:
                    Begin(piece);
                    nodes.Add(new OutputNode(ParseExpression(), piece.Line));
                    ExpectEnd();
                    break;
                case PieceKind.Statement:
                    Begin(piece);
                    var keyword = Peek;
                    if (keyword.Kind != TokenKind.Name)
                        throw TemplateException.Syntax("expected a statement name after '{%'", piece.Line);
                    if (stopAt.Contains(keyword.Text))
                    {
                        _pos++;
                        endTag = keyword.Text;
                        return nodes;
                    }
                    var node = ParseStatement(keyword.Text, piece.Line);
                    if (node is not null) nodes.Add(node);
                    break;
            }
        }
        if (stopAt.Length > 0)
            throw TemplateException.Syntax($"missing '{stopAt[^1]}'", CurrentLine);
        endTag = null;
        return nodes;
    }

    private void Begin(TemplatePiece piece)
    {
        _tokens = JinjaLexer.Tokenize(piece.Source, piece.Line);
        _pos = 0;
    }

    private Node? ParseStatement(string keyword, int line)
    {
        _pos++;
        switch (keyword)
        {
            case "if": return ParseIf(line);
            case "for": return ParseFor(line);
            case "set": return ParseSet(line);
            case "break": ExpectEnd(); return new BreakNode(line);
            case "continue": ExpectEnd(); return new ContinueNode(line);
            case "generation" or "endgeneration": ExpectEnd(); return null;
            case "elif" or "else" or "endif" or "endfor" or "endset":
                throw TemplateException.Syntax($"unexpected '{keyword}'", line);
            default: throw TemplateException.Unsupported("statement", keyword, line);
        }
    }

    private IfNode ParseIf(int line)
    {
        var branches = new List<(Expr, IReadOnlyList<Node>)>();
        var condition = ParseExpression();
        ExpectEnd();
        while (true)
        {
            var body = ParseBody(out var end, "elif", "else", "endif");
            branches.Add((condition, body));
            if (end == "elif")
            {
                condition = ParseExpression();
                ExpectEnd();
                continue;
            }
            if (end == "else")
            {
                ExpectEnd();
                var elseBody = ParseBody(out _, "endif");
                ExpectEnd();
                return new IfNode(branches, elseBody, line);
            }
            ExpectEnd();
            return new IfNode(branches, [], line);
        }
    }

    private ForNode ParseFor(int line)
    {
        var targets = new List<string> { ExpectName() };
        while (Accept(","))
            targets.Add(ExpectName());
        if (!Next().IsName("in"))
            throw TemplateException.Syntax("expected 'in' in for loop", line);
        var items = ParseOr(); // not ParseExpression: a trailing 'if' filters the loop
        Expr? filter = null;
        if (Peek.IsName("if"))
        {
            _pos++;
            filter = ParseOr();
        }
        if (Peek.IsName("recursive"))
            throw TemplateException.Unsupported("loop modifier", "recursive", line);
        ExpectEnd();
        var body = ParseBody(out var end, "else", "endfor");
        IReadOnlyList<Node> elseBody = [];
        ExpectEnd();
        if (end == "else")
        {
            elseBody = ParseBody(out _, "endfor");
            ExpectEnd();
        }
        return new ForNode(targets, items, filter, body, elseBody, line);
    }

    private Node ParseSet(int line)
    {
        var targets = new List<string> { ExpectName() };
        string? attribute = null;
        if (Accept("."))
            attribute = ExpectName();
        else
            while (Accept(","))
                targets.Add(ExpectName());

        if (Peek.Kind == TokenKind.End && attribute is null && targets.Count == 1)
        {
            ExpectEnd();
            var body = ParseBody(out _, "endset");
            ExpectEnd();
            return new SetBlockNode(targets[0], body, line);
        }
        Expect("=");
        var value = ParseExpression();
        ExpectEnd();
        return new SetNode(targets, attribute, value, line);
    }

    // ---- expressions ----

    private JinjaToken Peek => _tokens[_pos];

    private JinjaToken Next() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    private bool Accept(string op)
    {
        if (!Peek.Is(op)) return false;
        _pos++;
        return true;
    }

    private void Expect(string op)
    {
        if (!Accept(op))
            throw TemplateException.Syntax($"expected '{op}' but found '{Peek.Text}'", Peek.Line);
    }

    private string ExpectName()
    {
        var token = Next();
        if (token.Kind != TokenKind.Name)
            throw TemplateException.Syntax($"expected a name but found '{token.Text}'", token.Line);
        return token.Text;
    }

    private void ExpectEnd()
    {
        if (Peek.Kind != TokenKind.End)
            throw TemplateException.Syntax($"unexpected '{Peek.Text}'", Peek.Line);
    }

    /// <summary>A full expression; a bare comma list (<c>a, b</c>) is a tuple.</summary>
    private Expr ParseExpression()
    {
        var first = ParseConditional();
        if (!Peek.Is(",")) return first;
        var items = new List<Expr> { first };
        while (Accept(","))
        {
            if (Peek.Kind == TokenKind.End || Peek.Is(")")) break;
            items.Add(ParseConditional());
        }
        return new ListExpr(items, first.Line);
    }

    private Expr ParseConditional()
    {
        var value = ParseOr();
        while (Peek.IsName("if"))
        {
            _pos++;
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Peek.IsName("else"))
            {
                _pos++;
                otherwise = ParseConditional();
            }
            value = new ConditionalExpr(condition, value, otherwise, value.Line);
        }
        return value;
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Peek.IsName("or"))
        {
            _pos++;
            left = new BinaryExpr("or", left, ParseAnd(), left.Line);
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Peek.IsName("and"))
        {
            _pos++;
            left = new BinaryExpr("and", left, ParseNot(), left.Line);
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (!Peek.IsName("not")) return ParseComparison();
        var line = Next().Line;
        return new UnaryExpr("not", ParseNot(), line);
    }

    private static readonly string[] ComparisonOperators = ["==", "!=", "<", "<=", ">", ">="];

    private Expr ParseComparison()
    {
        var left = ParseAdditive();
        while (true)
        {
            if (Peek.Kind == TokenKind.Operator && ComparisonOperators.Contains(Peek.Text))
            {
                var op = Next().Text;
                left = new BinaryExpr(op, left, ParseAdditive(), left.Line);
            }
            else if (Peek.IsName("in"))
            {
                _pos++;
                left = new BinaryExpr("in", left, ParseAdditive(), left.Line);
            }
            else if (Peek.IsName("not") && _tokens[_pos + 1].IsName("in"))
            {
                _pos += 2;
                left = new UnaryExpr("not", new BinaryExpr("in", left, ParseAdditive(), left.Line), left.Line);
            }
            else return left;
        }
    }

    private Expr ParseAdditive()
    {
        var left = ParseConcat();
        while (Peek.Is("+") || Peek.Is("-"))
        {
            var op = Next().Text;
            left = new BinaryExpr(op, left, ParseConcat(), left.Line);
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Accept("~"))
            left = new BinaryExpr("~", left, ParseMultiplicative(), left.Line);
        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParsePower();
        while (Peek.Is("*") || Peek.Is("/") || Peek.Is("//") || Peek.Is("%"))
        {
            var op = Next().Text;
            left = new BinaryExpr(op, left, ParsePower(), left.Line);
        }
        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary();
        while (Accept("**"))
            left = new BinaryExpr("**", left, ParseUnary(), left.Line);
        return left;
    }

    private Expr ParseUnary()
    {
        if (Peek.Is("-") || Peek.Is("+"))
        {
            var token = Next();
            var operand = ParseUnary();
            return token.Text == "-" ? new UnaryExpr("-", operand, token.Line) : operand;
        }
        return ParseFiltersAndTests(ParsePostfix(ParsePrimary()));
    }

    private Expr ParsePrimary()
    {
        var token = Next();
        switch (token.Kind)
        {
            case TokenKind.String:
                var text = token.Text;
                while (Peek.Kind == TokenKind.String) text += Next().Text; // adjacent literals concatenate
                return new LiteralExpr(text, token.Line);
            case TokenKind.Integer:
                return new LiteralExpr(long.Parse(token.Text, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Float:
                return new LiteralExpr(double.Parse(token.Text, CultureInfo.InvariantCulture), token.Line);
            case TokenKind.Name:
                return token.Text switch
                {
                    "true" or "True" => new LiteralExpr(true, token.Line),
                    "false" or "False" => new LiteralExpr(false, token.Line),
                    "none" or "None" => new LiteralExpr(null, token.Line),
                    _ => new NameExpr(token.Text, token.Line),
                };
            case TokenKind.Operator when token.Text == "(":
                if (Accept(")")) return new ListExpr([], token.Line);
                var inner = ParseExpression();
                Expect(")");
                return inner;
            case TokenKind.Operator when token.Text == "[":
                var items = new List<Expr>();
                while (!Accept("]"))
                {
                    items.Add(ParseConditional());
                    if (!Accept(",")) { Expect("]"); break; }
                }
                return new ListExpr(items, token.Line);
            case TokenKind.Operator when token.Text == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!Accept("}"))
                {
                    var key = ParseConditional();
                    Expect(":");
                    pairs.Add((key, ParseConditional()));
                    if (!Accept(",")) { Expect("}"); break; }
                }
                return new DictExpr(pairs, token.Line);
            default:
                throw TemplateException.Syntax(token.Kind == TokenKind.End ? "expression ends too early" : $"unexpected '{token.Text}'", token.Line);
        }
    }

    private Expr ParsePostfix(Expr target)
    {
        while (true)
        {
            if (Accept("."))
            {
                var name = Next();
                if (name.Kind is not (TokenKind.Name or TokenKind.Integer))
                    throw TemplateException.Syntax($"expected an attribute name after '.' but found '{name.Text}'", name.Line);
                target = name.Kind == TokenKind.Integer
                    ? new IndexExpr(target, new LiteralExpr(long.Parse(name.Text, CultureInfo.InvariantCulture), name.Line), name.Line)
                    : new AttributeExpr(target, name.Text, name.Line);
            }
            else if (Peek.Is("["))
            {
                target = ParseSubscript(target);
            }
            else if (Peek.Is("("))
            {
                var (args, kwargs) = ParseArguments();
                target = new CallExpr(target, args, kwargs, target.Line);
            }
            else return target;
        }
    }

    private Expr ParseSubscript(Expr target)
    {
        var line = Next().Line; // '['
        Expr? start = null, stop = null, step = null;
        if (!Peek.Is(":")) start = ParseConditional();
        if (!Accept(":"))
        {
            Expect("]");
            return new IndexExpr(target, start!, line);
        }
        if (!Peek.Is(":") && !Peek.Is("]")) stop = ParseConditional();
        if (Accept(":") && !Peek.Is("]")) step = ParseConditional();
        Expect("]");
        return new SliceExpr(target, start, stop, step, line);
    }

    private (List<Expr> Args, List<(string, Expr)> Kwargs) ParseArguments()
    {
        Expect("(");
        var args = new List<Expr>();
        var kwargs = new List<(string, Expr)>();
        while (!Accept(")"))
        {
            if (Peek.Kind == TokenKind.Name && _tokens[_pos + 1].Is("="))
            {
                var name = Next().Text;
                _pos++;
                kwargs.Add((name, ParseConditional()));
            }
            else args.Add(ParseConditional());
            if (!Accept(",")) { Expect(")"); break; }
        }
        return (args, kwargs);
    }

    private Expr ParseFiltersAndTests(Expr value)
    {
        while (true)
        {
            if (Accept("|"))
            {
                var name = ExpectName();
                List<Expr> args = [];
                List<(string, Expr)> kwargs = [];
                if (Peek.Is("(")) (args, kwargs) = ParseArguments();
                value = new FilterExpr(value, name, args, kwargs, value.Line);
            }
            else if (Peek.IsName("is"))
            {
                _pos++;
                var negated = false;
                if (Peek.IsName("not"))
                {
                    _pos++;
                    negated = true;
                }
                var name = ExpectName();
                List<Expr> args = [];
                if (Peek.Is("(")) args = ParseArguments().Args;
                else if (StartsTestArgument(Peek)) args = [ParsePostfix(ParsePrimary())];
                value = new TestExpr(value, name, args, negated, value.Line);
            }
            else return value;
        }
    }

    /// <summary>Jinja allows one argument without parentheses: <c>x is divisibleby 3</c>, <c>x is sameas none</c>.</summary>
    private static bool StartsTestArgument(JinjaToken token) =>
        token.Kind is TokenKind.String or TokenKind.Integer or TokenKind.Float
        || (token.Kind == TokenKind.Name && token.Text is not ("and" or "or" or "else" or "if" or "is" or "in" or "not"))
        || token.Is("[") || token.Is("{");
}
