using System.Text;
using System.Text.Json;
using ChatWeb.Engine.Constraints;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Local;

/// <summary>
/// How a model writes a function call: <c>&lt;tool_call&gt;\n{"name": ..., "arguments": {...}}\n&lt;/tool_call&gt;</c>
/// (the Hermes/Qwen format, which Qwen's template teaches and ChatWeb's description of tools asks for). The
/// grammar for a required call, and the text a call in the history is written back as for templates without tools.
/// </summary>
internal static class ToolCallFormat
{
    public const string Open = "<tool_call>";
    public const string Close = "</tool_call>";

    /// <summary>A call as the model writes it.</summary>
    public static string Write(string name, string arguments) =>
        $"{Open}\n{{\"name\": {JsonSerializer.Serialize(name)}, \"arguments\": {arguments}}}\n{Close}";

    /// <summary>
    /// The grammar of exactly one call to one of <paramref name="tools"/> (with the name a tool's and the arguments
    /// its parameters' schema), wrapped in the tags.
    /// </summary>
    /// <exception cref="JsonSchemaException">A tool's parameters schema cannot be enforced.</exception>
    public static JsonFrame Grammar(IEnumerable<AIFunctionDeclaration> tools)
    {
        var calls = tools.Select(t => JsonGrammar.ObjectOf(
            ("name", new LiteralNode(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(t.Name)))),
            ("arguments", JsonGrammar.FromSchema(t.JsonSchema).Root))).ToList();
        return JsonGrammar.AnyOf(calls).Start(Encoding.UTF8.GetBytes(Open + "\n"), Encoding.UTF8.GetBytes("\n" + Close));
    }

    /// <summary>A system-prompt paragraph describing the tools, for models whose template does not render them.</summary>
    public static string Describe(IEnumerable<AIFunctionDeclaration> tools)
    {
        var text = new StringBuilder("You may call these functions. To call one, reply with only\n")
            .Append(Open).Append("\n{\"name\": <function name>, \"arguments\": <arguments object>}\n").Append(Close).Append("\nFunctions:");
        foreach (var tool in tools)
            text.Append('\n').Append(JsonSerializer.Serialize(new { name = tool.Name, description = tool.Description, parameters = tool.JsonSchema }));
        return text.ToString();
    }

    /// <summary>OpenAI's <c>{"type": "function", "function": {...}}</c> object for a tool, as templates expect it in <c>tools</c>.</summary>
    public static JsonElement Definition(AIFunctionDeclaration tool) => JsonSerializer.SerializeToElement(new
    {
        type = "function",
        function = new { name = tool.Name, description = tool.Description, parameters = tool.JsonSchema },
    });
}

/// <summary>
/// Finds function calls in streamed answer text: text outside <c>&lt;tool_call&gt;</c> blocks passes through
/// (a possible start of a tag held back until it is decided), each complete block becomes a
/// <see cref="FunctionCallContent"/>. A block that is not a valid call passes through as text.
/// </summary>
internal sealed class ToolCallParser
{
    private readonly StringBuilder _pending = new();
    private bool _inside;

    /// <summary>The text to show and the calls completed by <paramref name="text"/>.</summary>
    public (string Text, List<FunctionCallContent> Calls) Push(string text)
    {
        _pending.Append(text);
        var shown = new StringBuilder();
        var calls = new List<FunctionCallContent>();
        while (true)
        {
            var buffer = _pending.ToString();
            if (!_inside)
            {
                var open = buffer.IndexOf(ToolCallFormat.Open, StringComparison.Ordinal);
                if (open < 0)
                {
                    var keep = HeldBack(buffer);
                    shown.Append(buffer[..^keep]);
                    _pending.Clear().Append(buffer[^keep..]);
                    break;
                }
                shown.Append(buffer[..open]);
                _pending.Clear().Append(buffer[(open + ToolCallFormat.Open.Length)..]);
                _inside = true;
            }
            else
            {
                var close = buffer.IndexOf(ToolCallFormat.Close, StringComparison.Ordinal);
                if (close < 0)
                    break;
                var body = buffer[..close];
                _pending.Clear().Append(buffer[(close + ToolCallFormat.Close.Length)..]);
                _inside = false;
                if (Parse(body) is { } call)
                    calls.Add(call);
                else
                    shown.Append(ToolCallFormat.Open).Append(body).Append(ToolCallFormat.Close);
            }
        }
        return (shown.ToString(), calls);
    }

    /// <summary>What is left at the end: an unfinished block is a call if it parses, else text.</summary>
    public (string Text, List<FunctionCallContent> Calls) Flush()
    {
        var rest = _pending.ToString();
        _pending.Clear();
        if (!_inside)
            return (rest, []);
        _inside = false;
        return Parse(rest) is { } call ? ("", [call]) : (ToolCallFormat.Open + rest, []);
    }

    /// <summary>How many characters at the end could begin the opening tag.</summary>
    private static int HeldBack(string text)
    {
        for (var n = Math.Min(ToolCallFormat.Open.Length - 1, text.Length); n > 0; n--)
        {
            if (ToolCallFormat.Open.StartsWith(text[^n..], StringComparison.Ordinal))
                return n;
        }
        return 0;
    }

    private static FunctionCallContent? Parse(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
                return null;
            var arguments = root.TryGetProperty("arguments", out var a) || root.TryGetProperty("parameters", out a) ? a : default;
            var values = arguments.ValueKind == JsonValueKind.Object
                ? arguments.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())
                : [];
            return new FunctionCallContent("call_" + Guid.NewGuid().ToString("N")[..24], name.GetString()!, values);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
