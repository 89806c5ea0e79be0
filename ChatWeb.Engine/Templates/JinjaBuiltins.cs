using System.Globalization;
using System.Text;

namespace ChatWeb.Engine.Templates;

/// <summary>
/// Operators, attribute and item access, filters, tests, string/dict methods and global functions
/// of the Jinja subset that chat templates use. Anything missing throws a
/// <see cref="TemplateException"/> naming the filter, test, method or function.
/// </summary>
internal static class JinjaBuiltins
{
    public static object? GetAttribute(object? target, string name) => target switch
    {
        IDictionary<string, object?> dict => dict.TryGetValue(name, out var value) ? value : Undefined.Instance,
        _ => Undefined.Instance,
    };

    public static object? GetItem(object? target, object? index, int line)
    {
        switch (target)
        {
            case IDictionary<string, object?> dict:
                return index is string key && dict.TryGetValue(key, out var value) ? value : Undefined.Instance;
            case IList<object?> list when index is long i:
                if (i < 0) i += list.Count;
                return i >= 0 && i < list.Count ? list[(int)i] : Undefined.Instance;
            case string s when index is long i:
                var chars = JinjaValues.StringElements(s);
                if (i < 0) i += chars.Count;
                return i >= 0 && i < chars.Count ? chars[(int)i] : Undefined.Instance;
            case null or Undefined:
                return Undefined.Instance;
            default:
                throw TemplateException.Syntax($"cannot index {JinjaValues.TypeName(target)} with {JinjaValues.TypeName(index)}", line);
        }
    }

    /// <summary>Python slicing <c>[start:stop:step]</c> on lists and strings, including negative steps (<c>[::-1]</c>).</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step, int line)
    {
        var items = target switch
        {
            string s => JinjaValues.StringElements(s),
            IList<object?> list => list.ToList(),
            null or Undefined => [],
            _ => throw TemplateException.Syntax($"cannot slice {JinjaValues.TypeName(target)}", line),
        };
        var n = items.Count;
        var by = step is long st ? st : 1;
        if (by == 0) throw TemplateException.Syntax("slice step cannot be zero", line);
        long Clamp(object? bound, long whenMissing)
        {
            if (bound is not long b) return whenMissing;
            if (b < 0) b += n;
            return by > 0 ? Math.Clamp(b, 0, n) : Math.Clamp(b, -1, n - 1);
        }
        var from = Clamp(start, by > 0 ? 0 : n - 1);
        var to = Clamp(stop, by > 0 ? n : -1);
        var result = new List<object?>();
        for (var i = from; by > 0 ? i < to : i > to; i += by)
            result.Add(items[(int)i]);
        return target is string ? string.Concat(result.Cast<string>()) : result;
    }

    public static object? Negate(object? value, int line) => value switch
    {
        long l => (object)(-l),
        double d => (object)(-d),
        _ => throw TemplateException.Syntax($"cannot negate {JinjaValues.TypeName(value)}", line),
    };

    public static object? BinaryOperation(string op, object? left, object? right, int line)
    {
        switch (op)
        {
            case "==": return JinjaValues.Equals(left, right);
            case "!=": return !JinjaValues.Equals(left, right);
            case "<": return JinjaValues.Compare(left, right, line) < 0;
            case "<=": return JinjaValues.Compare(left, right, line) <= 0;
            case ">": return JinjaValues.Compare(left, right, line) > 0;
            case ">=": return JinjaValues.Compare(left, right, line) >= 0;
            case "in": return Contains(right, left, line);
            case "~": return JinjaValues.ToText(left) + JinjaValues.ToText(right);
            case "+" when left is string a && right is string b: return a + b;
            case "+" when left is IList<object?> a && right is IList<object?> b: return a.Concat(b).ToList();
        }
        if (!JinjaValues.IsNumber(left) || !JinjaValues.IsNumber(right))
        {
            if (op == "*" && left is string s && right is long times) return string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, times)));
            throw TemplateException.Syntax($"cannot apply '{op}' to {JinjaValues.TypeName(left)} and {JinjaValues.TypeName(right)}", line);
        }
        if (left is not double && right is not double && op != "/")
        {
            long a = left is bool lb ? (lb ? 1 : 0) : (long)left!, b = right is bool rb ? (rb ? 1 : 0) : (long)right!;
            return op switch
            {
                "+" => a + b,
                "-" => a - b,
                "*" => a * b,
                "//" => b == 0 ? throw TemplateException.Syntax("division by zero", line) : FloorDiv(a, b),
                "%" => b == 0 ? throw TemplateException.Syntax("division by zero", line) : a - b * FloorDiv(a, b),
                "**" => (long)Math.Pow(a, b),
                _ => throw TemplateException.Unsupported("operator", op, line),
            };
        }
        double x = JinjaValues.ToDouble(left), y = JinjaValues.ToDouble(right);
        return op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            "//" => Math.Floor(x / y),
            "%" => x - y * Math.Floor(x / y),
            "**" => Math.Pow(x, y),
            _ => throw TemplateException.Unsupported("operator", op, line),
        };
    }

    private static long FloorDiv(long a, long b) => (long)Math.Floor((double)a / b);

    private static bool Contains(object? container, object? item, int line) => container switch
    {
        string s when item is string sub => s.Contains(sub, StringComparison.Ordinal),
        IDictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        IEnumerable<object?> list => list.Any(x => JinjaValues.Equals(x, item)),
        null or Undefined => false,
        _ => throw TemplateException.Syntax($"'in' needs a string, list or dict, not {JinjaValues.TypeName(container)}", line),
    };

    // ---- filters ----

    public static object? ApplyFilter(string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, int line)
    {
        object? Arg(int i, string key, object? fallback) =>
            i < args.Count ? args[i] : kwargs.TryGetValue(key, out var v) ? v : fallback;

        switch (name)
        {
            case "trim":
                var chars = Arg(0, "chars", null) as string;
                return chars is null ? JinjaValues.ToText(value).Trim() : JinjaValues.ToText(value).Trim(chars.ToCharArray());
            case "length" or "count":
                return value switch
                {
                    string s => (long)JinjaValues.StringElements(s).Count,
                    System.Collections.ICollection c => (long)c.Count,
                    null or Undefined => 0L,
                    _ => throw TemplateException.Syntax($"{JinjaValues.TypeName(value)} has no length", line),
                };
            case "tojson":
                return JinjaValues.ToJson(value, Arg(0, "indent", null) is long indent ? (int)indent : null);
            case "default" or "d":
                var useIfFalsy = JinjaValues.IsTruthy(Arg(1, "boolean", false));
                var missing = value is Undefined || (useIfFalsy && !JinjaValues.IsTruthy(value));
                return missing ? Arg(0, "default_value", "") : value;
            case "upper": return JinjaValues.ToText(value).ToUpperInvariant();
            case "lower": return JinjaValues.ToText(value).ToLowerInvariant();
            case "capitalize": return Capitalize(JinjaValues.ToText(value));
            case "title": return Title(JinjaValues.ToText(value));
            case "string": return JinjaValues.ToText(value);
            case "safe": return value;
            case "first": return JinjaValues.Iterate(value, line) is { Count: > 0 } some ? some[0] : Undefined.Instance;
            case "last": return JinjaValues.Iterate(value, line) is { Count: > 0 } all ? all[^1] : Undefined.Instance;
            case "list": return JinjaValues.Iterate(value, line);
            case "reverse":
                return value is string rs
                    ? string.Concat(JinjaValues.StringElements(rs).Cast<string>().Reverse())
                    : Enumerable.Reverse(JinjaValues.Iterate(value, line)).ToList();
            case "join":
                var separator = JinjaValues.ToText(Arg(0, "d", ""));
                var joined = JinjaValues.Iterate(value, line);
                if (Arg(1, "attribute", null) is string joinAttribute) joined = joined.Select(x => GetAttribute(x, joinAttribute)).ToList();
                return string.Join(separator, joined.Select(JinjaValues.ToText));
            case "replace":
                return JinjaValues.ToText(value).Replace(JinjaValues.ToText(Arg(0, "old", "")), JinjaValues.ToText(Arg(1, "new", "")), StringComparison.Ordinal);
            case "int":
                return value switch
                {
                    long l => l,
                    double d => (long)d,
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => Arg(0, "default", 0L),
                };
            case "float":
                return value switch
                {
                    long or double or bool => JinjaValues.ToDouble(value),
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
                    _ => Arg(0, "default", 0.0),
                };
            case "abs": return value is long al ? (object)Math.Abs(al) : Math.Abs(JinjaValues.ToDouble(value));
            case "items":
                return value is IDictionary<string, object?> itemsDict
                    ? itemsDict.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList()
                    : new List<object?>();
            case "dictsort":
                return value is IDictionary<string, object?> sortDict
                    ? sortDict.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList()
                    : new List<object?>();
            case "unique":
                var unique = new List<object?>();
                foreach (var item in JinjaValues.Iterate(value, line))
                    if (!unique.Any(u => JinjaValues.Equals(u, item))) unique.Add(item);
                return unique;
            case "selectattr" or "rejectattr":
                var attribute = JinjaValues.ToText(Arg(0, "attribute", ""));
                var wanted = name == "selectattr";
                return JinjaValues.Iterate(value, line).Where(item =>
                {
                    var member = GetAttribute(item, attribute);
                    var passed = args.Count > 1
                        ? ApplyTest(JinjaValues.ToText(args[1]), member, args.Skip(2).ToList(), line)
                        : JinjaValues.IsTruthy(member);
                    return passed == wanted;
                }).ToList();
            case "select" or "reject":
                var keep = name == "select";
                return JinjaValues.Iterate(value, line).Where(item =>
                    (args.Count > 0 ? ApplyTest(JinjaValues.ToText(args[0]), item, args.Skip(1).ToList(), line) : JinjaValues.IsTruthy(item)) == keep).ToList();
            case "map":
                if (kwargs.TryGetValue("attribute", out var mapAttribute))
                    return JinjaValues.Iterate(value, line).Select(item => GetAttribute(item, JinjaValues.ToText(mapAttribute))).ToList();
                if (args.Count > 0)
                    return JinjaValues.Iterate(value, line).Select(item => ApplyFilter(JinjaValues.ToText(args[0]), item, args.Skip(1).ToList(), new Dictionary<string, object?>(), line)).ToList();
                throw TemplateException.Syntax("map needs attribute= or a filter name", line);
            case "indent":
                var width = Arg(0, "width", 4L) is long w ? (int)w : 4;
                var pad = new string(' ', width);
                var lines = JinjaValues.ToText(value).Split('\n');
                var indentFirst = JinjaValues.IsTruthy(Arg(1, "first", false));
                return string.Join("\n", lines.Select((text, i) => (i > 0 || indentFirst) && text.Length > 0 ? pad + text : text));
            default:
                throw TemplateException.Unsupported("filter", name, line);
        }
    }

    private static string Capitalize(string s) => s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();

    private static string Title(string s)
    {
        var sb = new StringBuilder(s.Length);
        var startOfWord = true;
        foreach (var c in s)
        {
            sb.Append(startOfWord ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
            startOfWord = !char.IsLetterOrDigit(c);
        }
        return sb.ToString();
    }

    // ---- tests ----

    public static bool ApplyTest(string name, object? value, IReadOnlyList<object?> args, int line) => name switch
    {
        "defined" => value is not Undefined,
        "undefined" => value is Undefined,
        "none" => value is null,
        "string" => value is string,
        "number" => value is long or double,
        "integer" => value is long,
        "float" => value is double,
        "boolean" => value is bool,
        "true" => value is true,
        "false" => value is false,
        "mapping" => value is IDictionary<string, object?>,
        "sequence" or "iterable" => value is string or IEnumerable<object?>,
        "callable" => value is JinjaFunction,
        "odd" => value is long o && o % 2 != 0,
        "even" => value is long e && e % 2 == 0,
        "divisibleby" => value is long n && args.Count > 0 && args[0] is long d && d != 0 && n % d == 0,
        "equalto" or "eq" or "==" or "sameas" => args.Count > 0 && JinjaValues.Equals(value, args[0]),
        "ne" or "!=" => args.Count > 0 && !JinjaValues.Equals(value, args[0]),
        "in" => args.Count > 0 && (bool)BinaryOperation("in", value, args[0], line)!,
        "lower" => value is string lo && lo == lo.ToLowerInvariant(),
        "upper" => value is string up && up == up.ToUpperInvariant(),
        _ => throw TemplateException.Unsupported("test", name, line),
    };

    // ---- methods ----

    public static object? CallMethod(object? target, string name, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, int line)
    {
        object? Arg(int i) => i < args.Count ? args[i] : null;
        switch (target)
        {
            case string s:
                return name switch
                {
                    "startswith" => StartsOrEnds(s, Arg(0), (x, p) => x.StartsWith(p, StringComparison.Ordinal)),
                    "endswith" => StartsOrEnds(s, Arg(0), (x, p) => x.EndsWith(p, StringComparison.Ordinal)),
                    "strip" => Arg(0) is string c ? s.Trim(c.ToCharArray()) : s.Trim(),
                    "lstrip" => Arg(0) is string lc ? s.TrimStart(lc.ToCharArray()) : s.TrimStart(),
                    "rstrip" => Arg(0) is string rc ? s.TrimEnd(rc.ToCharArray()) : s.TrimEnd(),
                    "split" => Split(s, Arg(0) as string, Arg(1) is long max ? (int)max : -1),
                    "upper" => s.ToUpperInvariant(),
                    "lower" => s.ToLowerInvariant(),
                    "title" => Title(s),
                    "capitalize" => Capitalize(s),
                    "replace" => s.Replace(JinjaValues.ToText(Arg(0)), JinjaValues.ToText(Arg(1)), StringComparison.Ordinal),
                    "find" => (long)s.IndexOf(JinjaValues.ToText(Arg(0)), StringComparison.Ordinal),
                    "count" => (long)CountOccurrences(s, JinjaValues.ToText(Arg(0))),
                    "join" => string.Join(s, JinjaValues.Iterate(Arg(0), line).Select(JinjaValues.ToText)),
                    "isdigit" => s.Length > 0 && s.All(char.IsDigit),
                    "isspace" => s.Length > 0 && s.All(char.IsWhiteSpace),
                    _ => throw TemplateException.Unsupported("string method", name, line),
                };
            case IDictionary<string, object?> dict:
                return name switch
                {
                    "items" => dict.Select(kv => (object?)new List<object?> { kv.Key, kv.Value }).ToList(),
                    "keys" => dict.Keys.Cast<object?>().ToList(),
                    "values" => dict.Values.ToList(),
                    "get" => Arg(0) is string key && dict.TryGetValue(key, out var v) ? v : Arg(1),
                    _ => throw TemplateException.Unsupported("dict method", name, line),
                };
            case IList<object?> list:
                return name switch
                {
                    "index" => (long)list.ToList().FindIndex(x => JinjaValues.Equals(x, Arg(0))),
                    "count" => (long)list.Count(x => JinjaValues.Equals(x, Arg(0))),
                    _ => throw TemplateException.Unsupported("list method", name, line),
                };
            default:
                throw TemplateException.Unsupported($"method on {JinjaValues.TypeName(target)}", name, line);
        }
    }

    private static bool StartsOrEnds(string s, object? prefix, Func<string, string, bool> check) => prefix switch
    {
        string p => check(s, p),
        IEnumerable<object?> options => options.OfType<string>().Any(p => check(s, p)),
        _ => false,
    };

    /// <summary>Python's str.split: with no separator, splits on runs of whitespace and drops empty parts.</summary>
    private static List<object?> Split(string s, string? separator, int maxSplit)
    {
        if (separator is null)
        {
            var words = s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (maxSplit < 0 || words.Length <= maxSplit + 1) return words.Cast<object?>().ToList();
            var head = words.Take(maxSplit).ToList();
            var rest = s.TrimStart();
            foreach (var w in head) rest = rest[(rest.IndexOf(w, StringComparison.Ordinal) + w.Length)..].TrimStart();
            return [.. head, rest];
        }
        if (separator.Length == 0) throw new TemplateException("Chat template: split() separator is empty.");
        var parts = maxSplit < 0
            ? s.Split(separator)
            : s.Split(separator, maxSplit + 1);
        return parts.Cast<object?>().ToList();
    }

    private static int CountOccurrences(string s, string sub)
    {
        if (sub.Length == 0) return s.Length + 1;
        var count = 0;
        for (var i = s.IndexOf(sub, StringComparison.Ordinal); i >= 0; i = s.IndexOf(sub, i + sub.Length, StringComparison.Ordinal)) count++;
        return count;
    }

    // ---- global functions ----

    public static object? CallGlobal(string name, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, int line)
    {
        switch (name)
        {
            case "raise_exception":
                throw new TemplateException("Chat template raised an error: " + JinjaValues.ToText(args.Count > 0 ? args[0] : "(no message)"));
            case "namespace":
                var ns = new JinjaNamespace();
                if (args.Count > 0 && args[0] is IDictionary<string, object?> initial)
                    foreach (var (k, v) in initial) ns[k] = v;
                foreach (var (k, v) in kwargs) ns[k] = v;
                return ns;
            case "dict":
                return kwargs.ToDictionary(kv => kv.Key, kv => kv.Value);
            case "range":
                long start = 0, stop, step = 1;
                if (args.Count == 1) stop = (long)args[0]!;
                else
                {
                    start = (long)args[0]!;
                    stop = (long)args[1]!;
                    if (args.Count > 2) step = (long)args[2]!;
                }
                var range = new List<object?>();
                for (var i = start; step > 0 ? i < stop : i > stop; i += step) range.Add(i);
                return range;
            default:
                throw TemplateException.Unsupported("function", name, line);
        }
    }
}
