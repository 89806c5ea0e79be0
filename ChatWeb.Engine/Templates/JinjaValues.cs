using System.Collections;
using System.Globalization;
using System.Text;

namespace ChatWeb.Engine.Templates;

/// <summary>A name or attribute that does not exist: renders as "", is falsy, and fails <c>is defined</c>.</summary>
internal sealed class Undefined
{
    public static readonly Undefined Instance = new();
    private Undefined() { }
    public override string ToString() => "";
}

/// <summary>The object <c>namespace(...)</c> returns: attributes that a loop body may assign with <c>set ns.x = ...</c>.</summary>
internal sealed class JinjaNamespace : Dictionary<string, object?>;

/// <summary>
/// Python-like semantics for template values. Values are: null (none), <see cref="Undefined"/>,
/// bool, long, double, string, <c>List&lt;object?&gt;</c> (lists and tuples) and
/// <c>Dictionary&lt;string, object?&gt;</c> (mappings, which keep insertion order).
/// </summary>
internal static class JinjaValues
{
    public static bool IsTruthy(object? value) => value switch
    {
        null or Undefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        ICollection c => c.Count > 0,
        _ => true,
    };

    /// <summary>Python's str(): what <c>{{ value }}</c> prints.</summary>
    public static string ToText(object? value) => value switch
    {
        null => "None",
        Undefined => "",
        string s => s,
        _ => Repr(value),
    };

    /// <summary>Python's repr(), used for values inside lists and dicts.</summary>
    public static string Repr(object? value)
    {
        switch (value)
        {
            case null: return "None";
            case Undefined: return "";
            case bool b: return b ? "True" : "False";
            case long l: return l.ToString(CultureInfo.InvariantCulture);
            case double d: return FormatFloat(d);
            case string s: return "'" + s.Replace("\\", "\\\\").Replace("'", "\\'").Replace("\n", "\\n") + "'";
            case IDictionary<string, object?> dict:
                return "{" + string.Join(", ", dict.Select(kv => Repr(kv.Key) + ": " + Repr(kv.Value))) + "}";
            case IEnumerable<object?> list:
                return "[" + string.Join(", ", list.Select(Repr)) + "]";
            default: return value.ToString() ?? "";
        }
    }

    private static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".0";
    }

    /// <summary>JSON as Hugging Face's <c>tojson</c> writes it (Python json.dumps, ensure_ascii=False).</summary>
    public static string ToJson(object? value, int? indent = null)
    {
        var sb = new StringBuilder();
        WriteJson(sb, value, indent, 0);
        return sb.ToString();
    }

    private static void WriteJson(StringBuilder sb, object? value, int? indent, int depth)
    {
        switch (value)
        {
            case null or Undefined: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FormatFloat(d)); break;
            case string s: WriteJsonString(sb, s); break;
            case IDictionary<string, object?> dict:
                WriteJsonItems(sb, '{', '}', dict, indent, depth, (kv, d) =>
                {
                    WriteJsonString(sb, kv.Key);
                    sb.Append(": ");
                    WriteJson(sb, kv.Value, indent, d);
                });
                break;
            case IEnumerable<object?> list:
                WriteJsonItems(sb, '[', ']', list, indent, depth, (item, d) => WriteJson(sb, item, indent, d));
                break;
            default: WriteJsonString(sb, value.ToString() ?? ""); break;
        }
    }

    private static void WriteJsonItems<T>(StringBuilder sb, char open, char close, IEnumerable<T> items, int? indent, int depth, Action<T, int> write)
    {
        sb.Append(open);
        var first = true;
        foreach (var item in items)
        {
            if (!first) sb.Append(indent is null ? ", " : ",");
            if (indent is not null) sb.Append('\n').Append(' ', indent.Value * (depth + 1));
            write(item, depth + 1);
            first = false;
        }
        if (!first && indent is not null) sb.Append('\n').Append(' ', indent.Value * depth);
        sb.Append(close);
    }

    private static void WriteJsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case < ' ': sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        sb.Append('"');
    }

    public static new bool Equals(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a) == ToDouble(b);
        return (a, b) switch
        {
            (null, null) => true,
            (Undefined, Undefined) => true,
            (string x, string y) => x == y,
            (IDictionary<string, object?> x, IDictionary<string, object?> y) =>
                x.Count == y.Count && x.All(kv => y.TryGetValue(kv.Key, out var v) && Equals(kv.Value, v)),
            (IList<object?> x, IList<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equals(p.First, p.Second)),
            _ => false,
        };
    }

    public static int Compare(object? a, object? b, int line)
    {
        if (IsNumber(a) && IsNumber(b)) return ToDouble(a).CompareTo(ToDouble(b));
        if (a is string x && b is string y) return string.CompareOrdinal(x, y);
        throw TemplateException.Syntax($"cannot compare {TypeName(a)} with {TypeName(b)}", line);
    }

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => 0,
    };

    public static string TypeName(object? value) => value switch
    {
        null => "none",
        Undefined => "undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "string",
        IDictionary<string, object?> => "dict",
        IEnumerable<object?> => "list",
        _ => value.GetType().Name,
    };

    /// <summary>Iterates a value as a for loop does: lists, dict keys, string characters.</summary>
    public static List<object?> Iterate(object? value, int line) => value switch
    {
        null or Undefined => [],
        string s => StringElements(s),
        IDictionary<string, object?> dict => dict.Keys.Cast<object?>().ToList(),
        IEnumerable<object?> list => list.ToList(),
        _ => throw TemplateException.Syntax($"cannot iterate over {TypeName(value)}", line),
    };

    /// <summary>A string's characters as Python sees them (whole code points, surrogate pairs kept together).</summary>
    public static List<object?> StringElements(string s)
    {
        var result = new List<object?>();
        for (var i = 0; i < s.Length; i++)
        {
            var isPair = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]);
            result.Add(isPair ? s.Substring(i++, 2) : s[i].ToString());
        }
        return result;
    }

    /// <summary>A JSON value as a template value (objects become dictionaries, arrays lists, numbers long or double).</summary>
    public static object? FromJson(System.Text.Json.JsonElement value) => value.ValueKind switch
    {
        System.Text.Json.JsonValueKind.Object => value.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        System.Text.Json.JsonValueKind.Array => value.EnumerateArray().Select(FromJson).ToList(),
        System.Text.Json.JsonValueKind.String => value.GetString(),
        System.Text.Json.JsonValueKind.Number => value.TryGetInt64(out var l) ? l : value.GetDouble(),
        System.Text.Json.JsonValueKind.True => true,
        System.Text.Json.JsonValueKind.False => false,
        _ => null,
    };

    /// <summary>Converts .NET values handed to a template (records of strings, lists, dictionaries) into template values.</summary>
    public static object? FromClr(object? value) => value switch
    {
        null or Undefined or bool or long or double or string or JinjaNamespace => value,
        int i => (long)i,
        float f => (double)f,
        Dictionary<string, object?> d when d.Values.All(v => v is null or bool or long or double or string or Undefined) => d,
        IDictionary<string, object?> d => d.ToDictionary(kv => kv.Key, kv => FromClr(kv.Value)),
        IEnumerable<object?> list => list.Select(FromClr).ToList(),
        _ => value,
    };
}
