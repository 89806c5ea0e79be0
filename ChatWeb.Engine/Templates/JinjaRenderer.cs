using System.Text;

namespace ChatWeb.Engine.Templates;

/// <summary>
/// Runs a parsed template against variables. Scoping follows Jinja: a for loop's body has its own
/// scope per iteration (so <c>set</c> inside a loop does not leak out; templates use
/// <c>namespace()</c> for that), while if-blocks share the enclosing scope.
/// </summary>
internal sealed class JinjaRenderer
{
    private enum Flow { Normal, Break, Continue }

    private readonly List<Dictionary<string, object?>> _scopes = [];

    public JinjaRenderer(IReadOnlyDictionary<string, object?> variables)
    {
        _scopes.Add(variables.ToDictionary(kv => kv.Key, kv => JinjaValues.FromClr(kv.Value)));
    }

    public string Render(IReadOnlyList<Node> nodes)
    {
        var output = new StringBuilder();
        Execute(nodes, output);
        return output.ToString();
    }

    private Flow Execute(IReadOnlyList<Node> nodes, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            var flow = Execute(node, output);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Execute(Node node, StringBuilder output)
    {
        switch (node)
        {
            case TextNode text:
                output.Append(text.Text);
                return Flow.Normal;
            case OutputNode o:
                output.Append(JinjaValues.ToText(Evaluate(o.Value)));
                return Flow.Normal;
            case IfNode ifNode:
                foreach (var (condition, body) in ifNode.Branches)
                    if (JinjaValues.IsTruthy(Evaluate(condition)))
                        return Execute(body, output);
                return Execute(ifNode.Else, output);
            case ForNode forNode:
                ExecuteFor(forNode, output);
                return Flow.Normal;
            case SetNode set:
                ExecuteSet(set);
                return Flow.Normal;
            case SetBlockNode block:
                var captured = new StringBuilder();
                Execute(block.Body, captured);
                _scopes[^1][block.Target] = captured.ToString();
                return Flow.Normal;
            case BreakNode:
                return Flow.Break;
            case ContinueNode:
                return Flow.Continue;
            default:
                throw TemplateException.Unsupported("node", node.GetType().Name, node.Line);
        }
    }

    private void ExecuteFor(ForNode node, StringBuilder output)
    {
        var items = JinjaValues.Iterate(Evaluate(node.Items), node.Line);
        if (node.Filter is not null)
        {
            var kept = new List<object?>();
            foreach (var item in items)
            {
                _scopes.Add([]);
                Bind(node.Targets, item, node.Line);
                if (JinjaValues.IsTruthy(Evaluate(node.Filter))) kept.Add(item);
                _scopes.RemoveAt(_scopes.Count - 1);
            }
            items = kept;
        }
        if (items.Count == 0)
        {
            Execute(node.Else, output);
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            var scope = new Dictionary<string, object?>
            {
                ["loop"] = new Dictionary<string, object?>
                {
                    ["index"] = (long)i + 1,
                    ["index0"] = (long)i,
                    ["revindex"] = (long)(items.Count - i),
                    ["revindex0"] = (long)(items.Count - i - 1),
                    ["first"] = i == 0,
                    ["last"] = i == items.Count - 1,
                    ["length"] = (long)items.Count,
                    ["previtem"] = i > 0 ? items[i - 1] : Undefined.Instance,
                    ["nextitem"] = i < items.Count - 1 ? items[i + 1] : Undefined.Instance,
                    ["depth"] = 1L,
                    ["depth0"] = 0L,
                },
            };
            _scopes.Add(scope);
            try
            {
                Bind(node.Targets, items[i], node.Line);
                if (Execute(node.Body, output) == Flow.Break) break;
            }
            finally
            {
                _scopes.RemoveAt(_scopes.Count - 1);
            }
        }
    }

    private void Bind(IReadOnlyList<string> targets, object? value, int line)
    {
        if (targets.Count == 1)
        {
            _scopes[^1][targets[0]] = value;
            return;
        }
        if (value is not IList<object?> parts || parts.Count != targets.Count)
            throw TemplateException.Syntax($"cannot unpack {JinjaValues.TypeName(value)} into {targets.Count} names", line);
        for (var i = 0; i < targets.Count; i++)
            _scopes[^1][targets[i]] = parts[i];
    }

    private void ExecuteSet(SetNode set)
    {
        var value = Evaluate(set.Value);
        if (set.Attribute is null)
        {
            Bind(set.Targets, value, set.Line);
            return;
        }
        if (Lookup(set.Targets[0]) is not JinjaNamespace ns)
            throw TemplateException.Syntax($"'{set.Targets[0]}' is not a namespace; only namespace attributes can be set", set.Line);
        ns[set.Attribute] = value;
    }

    private object? Lookup(string name)
    {
        for (var i = _scopes.Count - 1; i >= 0; i--)
            if (_scopes[i].TryGetValue(name, out var value))
                return value;
        return Undefined.Instance;
    }

    public object? Evaluate(Expr expr)
    {
        switch (expr)
        {
            case LiteralExpr literal:
                return literal.Value;
            case NameExpr name:
                return Lookup(name.Name);
            case AttributeExpr attr:
                return JinjaBuiltins.GetAttribute(Evaluate(attr.Target), attr.Name);
            case IndexExpr index:
                return JinjaBuiltins.GetItem(Evaluate(index.Target), Evaluate(index.Index), index.Line);
            case SliceExpr slice:
                return JinjaBuiltins.Slice(Evaluate(slice.Target), EvaluateOptional(slice.Start), EvaluateOptional(slice.Stop), EvaluateOptional(slice.Step), slice.Line);
            case CallExpr call:
                return EvaluateCall(call);
            case FilterExpr filter:
                return JinjaBuiltins.ApplyFilter(filter.Name, Evaluate(filter.Value),
                    filter.Args.Select(Evaluate).ToList(), EvaluateKwargs(filter.Kwargs), filter.Line);
            case TestExpr test:
                var passed = JinjaBuiltins.ApplyTest(test.Name, Evaluate(test.Value), test.Args.Select(Evaluate).ToList(), test.Line);
                return passed != test.Negated;
            case UnaryExpr unary:
                var operand = Evaluate(unary.Operand);
                return unary.Operator == "not"
                    ? !JinjaValues.IsTruthy(operand)
                    : JinjaBuiltins.Negate(operand, unary.Line);
            case BinaryExpr { Operator: "and" } and:
                var left = Evaluate(and.Left);
                return JinjaValues.IsTruthy(left) ? Evaluate(and.Right) : left;
            case BinaryExpr { Operator: "or" } or:
                var first = Evaluate(or.Left);
                return JinjaValues.IsTruthy(first) ? first : Evaluate(or.Right);
            case BinaryExpr binary:
                return JinjaBuiltins.BinaryOperation(binary.Operator, Evaluate(binary.Left), Evaluate(binary.Right), binary.Line);
            case ConditionalExpr conditional:
                return JinjaValues.IsTruthy(Evaluate(conditional.Condition))
                    ? Evaluate(conditional.Then)
                    : conditional.Else is null ? Undefined.Instance : Evaluate(conditional.Else);
            case ListExpr list:
                return list.Items.Select(Evaluate).ToList();
            case DictExpr dict:
                var result = new Dictionary<string, object?>();
                foreach (var (key, value) in dict.Items)
                    result[JinjaValues.ToText(Evaluate(key))] = Evaluate(value);
                return result;
            default:
                throw TemplateException.Unsupported("expression", expr.GetType().Name, expr.Line);
        }
    }

    private object? EvaluateOptional(Expr? expr) => expr is null ? null : Evaluate(expr);

    private Dictionary<string, object?> EvaluateKwargs(IReadOnlyList<(string Name, Expr Value)> kwargs) =>
        kwargs.ToDictionary(kv => kv.Name, kv => Evaluate(kv.Value));

    private object? EvaluateCall(CallExpr call)
    {
        var args = call.Args.Select(Evaluate).ToList();
        var kwargs = EvaluateKwargs(call.Kwargs);
        if (call.Callee is AttributeExpr method)
        {
            var target = Evaluate(method.Target);
            if (target is IDictionary<string, object?> d && d.TryGetValue(method.Name, out var member) && member is JinjaFunction f)
                return f(args, kwargs);
            return JinjaBuiltins.CallMethod(target, method.Name, args, kwargs, call.Line);
        }
        if (call.Callee is NameExpr name)
        {
            if (Lookup(name.Name) is JinjaFunction function)
                return function(args, kwargs);
            return JinjaBuiltins.CallGlobal(name.Name, args, kwargs, call.Line);
        }
        throw TemplateException.Syntax("only functions and methods can be called", call.Line);
    }
}

/// <summary>A function a caller hands to a template as a variable (e.g. <c>strftime_now</c>).</summary>
internal delegate object? JinjaFunction(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs);
