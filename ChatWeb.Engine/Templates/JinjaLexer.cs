using System.Globalization;
using System.Text;

namespace ChatWeb.Engine.Templates;

/// <summary>One piece of template source: literal text, an output tag <c>{{ }}</c> or a statement tag <c>{% %}</c>.</summary>
internal enum PieceKind { Text, Output, Statement }

/// <summary>A piece of the template; for tags, <see cref="Source"/> is the text between the delimiters.</summary>
internal sealed record TemplatePiece(PieceKind Kind, string Source, int Line);

internal enum TokenKind { Name, String, Integer, Float, Operator, End }

internal readonly record struct JinjaToken(TokenKind Kind, string Text, int Line)
{
    public bool Is(string op) => Kind == TokenKind.Operator && Text == op;
    public bool IsName(string name) => Kind == TokenKind.Name && Text == name;
}

/// <summary>
/// Splits a template into pieces and tag contents into tokens. Whitespace control follows the
/// environment Hugging Face renders chat templates with: <c>trim_blocks</c> (the first newline after
/// a statement or comment tag is removed), <c>lstrip_blocks</c> (spaces and tabs before a statement
/// or comment tag at the start of a line are removed) and the <c>-</c> markers (<c>{%-</c>, <c>-%}</c>,
/// <c>{{-</c>, <c>-}}</c>) that strip all whitespace on that side; a single trailing newline of the
/// template is dropped (keep_trailing_newline=False).
/// </summary>
internal static class JinjaLexer
{
    public static List<TemplatePiece> Split(string template)
    {
        // Jinja's keep_trailing_newline=False: a single newline at the very end is not output.
        if (template.EndsWith("\r\n", StringComparison.Ordinal)) template = template[..^2];
        else if (template.EndsWith('\n')) template = template[..^1];
        var pieces = new List<TemplatePiece>();
        var pos = 0;
        var line = 1;
        var trimNextText = false;      // the previous tag ended with '-'
        var dropNextNewline = false;   // trim_blocks after a statement or comment tag
        while (pos < template.Length)
        {
            var open = FindTagStart(template, pos);
            var text = template[pos..(open < 0 ? template.Length : open)];
            char kind = open < 0 ? '\0' : template[open + 1];
            var trimBefore = open >= 0 && open + 2 < template.Length && template[open + 2] == '-';
            var keepIndent = open >= 0 && open + 2 < template.Length && template[open + 2] == '+';

            var lstrip = false;
            if (kind is '%' or '#' && !keepIndent && !trimBefore)
            {
                var j = open;
                while (j > pos && template[j - 1] is ' ' or '\t') j--;
                lstrip = j == 0 || template[j - 1] == '\n';
            }

            if (trimNextText) text = text.TrimStart();
            else if (dropNextNewline) text = DropFirstNewline(text);
            if (trimBefore) text = text.TrimEnd();
            else if (lstrip) text = text.TrimEnd(' ', '\t');
            if (text.Length > 0) pieces.Add(new TemplatePiece(PieceKind.Text, text, line));
            line += CountNewlines(template, pos, open < 0 ? template.Length : open);
            if (open < 0) break;

            var innerStart = open + 2 + (trimBefore || keepIndent ? 1 : 0);
            var close = FindTagEnd(template, innerStart, kind, line);
            var trimAfter = template[close - 1] == '-' && close - 1 >= innerStart;
            var inner = template[innerStart..(trimAfter ? close - 1 : close)];
            if (kind == '{') pieces.Add(new TemplatePiece(PieceKind.Output, inner, line));
            else if (kind == '%') pieces.Add(new TemplatePiece(PieceKind.Statement, inner, line));
            line += CountNewlines(template, open, close + 2);
            pos = close + 2;
            trimNextText = trimAfter;
            dropNextNewline = kind is '%' or '#';
        }
        return pieces;
    }

    private static int FindTagStart(string s, int from)
    {
        for (var i = from; i + 1 < s.Length; i++)
            if (s[i] == '{' && s[i + 1] is '{' or '%' or '#')
                return i;
        return -1;
    }

    /// <summary>Index of the closing delimiter (<c>}}</c>, <c>%}</c> or <c>#}</c>), skipping string literals.</summary>
    private static int FindTagEnd(string s, int from, char kind, int line)
    {
        var closer = kind == '{' ? '}' : kind;
        char quote = '\0';
        for (var i = from; i + 1 < s.Length; i++)
        {
            var c = s[i];
            if (kind != '#' && quote == '\0' && c is '\'' or '"') quote = c;
            else if (quote != '\0' && c == '\\') i++;
            else if (quote != '\0' && c == quote) quote = '\0';
            else if (quote == '\0' && c == closer && s[i + 1] == '}') return i;
        }
        throw TemplateException.Syntax($"tag '{{{kind}' is never closed", line);
    }

    private static string DropFirstNewline(string text) =>
        text.StartsWith("\r\n", StringComparison.Ordinal) ? text[2..] : text.StartsWith('\n') ? text[1..] : text;

    private static int CountNewlines(string s, int from, int to)
    {
        var n = 0;
        for (var i = from; i < to && i < s.Length; i++)
            if (s[i] == '\n') n++;
        return n;
    }

    private static readonly string[] Operators =
        ["**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"];

    /// <summary>Tokens of one tag's contents, ending with an <see cref="TokenKind.End"/> token.</summary>
    public static List<JinjaToken> Tokenize(string source, int line)
    {
        var tokens = new List<JinjaToken>();
        var i = 0;
        while (i < source.Length)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c))
            {
                if (c == '\n') line++;
                i++;
            }
            else if (char.IsLetter(c) || c == '_')
            {
                var start = i;
                while (i < source.Length && (char.IsLetterOrDigit(source[i]) || source[i] == '_')) i++;
                tokens.Add(new JinjaToken(TokenKind.Name, source[start..i], line));
            }
            else if (char.IsAsciiDigit(c))
            {
                var start = i;
                while (i < source.Length && (char.IsAsciiDigit(source[i]) || source[i] == '_')) i++;
                var isFloat = i + 1 < source.Length && source[i] == '.' && char.IsAsciiDigit(source[i + 1]);
                if (isFloat)
                {
                    i++;
                    while (i < source.Length && char.IsAsciiDigit(source[i])) i++;
                }
                var text = source[start..i].Replace("_", "");
                tokens.Add(new JinjaToken(isFloat ? TokenKind.Float : TokenKind.Integer, text, line));
            }
            else if (c is '\'' or '"')
            {
                tokens.Add(new JinjaToken(TokenKind.String, ReadString(source, ref i, line), line));
            }
            else
            {
                var op = Operators.FirstOrDefault(o => string.CompareOrdinal(source, i, o, 0, o.Length) == 0)
                    ?? throw TemplateException.Syntax($"unexpected character '{c}'", line);
                tokens.Add(new JinjaToken(TokenKind.Operator, op, line));
                i += op.Length;
            }
        }
        tokens.Add(new JinjaToken(TokenKind.End, "", line));
        return tokens;
    }

    /// <summary>Reads a quoted string literal with Python escapes; <paramref name="i"/> ends after the closing quote.</summary>
    private static string ReadString(string s, ref int i, int line)
    {
        var quote = s[i++];
        var sb = new StringBuilder();
        while (i < s.Length && s[i] != quote)
        {
            var c = s[i++];
            if (c != '\\' || i >= s.Length)
            {
                sb.Append(c);
                continue;
            }
            var e = s[i++];
            switch (e)
            {
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case '0': sb.Append('\0'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'u' when i + 4 <= s.Length:
                    sb.Append((char)int.Parse(s.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case '\\' or '\'' or '"': sb.Append(e); break;
                case '\n': break;
                default: sb.Append('\\').Append(e); break;
            }
        }
        if (i >= s.Length) throw TemplateException.Syntax("string literal is never closed", line);
        i++;
        return sb.ToString();
    }
}
