using System.Text.Json;
using ChatWeb.Engine.Constraints;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.OpenAi;

/// <summary>
/// OpenAI's function calling on /v1: <c>tools</c> (<c>{"type": "function", "function": {"name", "description",
/// "parameters"}}</c>), <c>tool_choice</c> (<c>none</c>, <c>auto</c>, <c>required</c>, or
/// <c>{"type": "function", "function": {"name"}}</c>), and the history's <c>tool_calls</c> and <c>tool</c> messages.
/// With <c>required</c> or a named function the engine constrains the output to one valid call, so those
/// parameters' schemas are checked here (a schema it cannot enforce is a 400).
/// </summary>
internal static class Tools
{
    private static readonly JsonElement NoParameters = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement;

    /// <summary>Null when tools and tool_choice are valid (then <paramref name="tools"/> and <paramref name="mode"/> hold them); else the problem.</summary>
    public static CompletionTranslator.Problem? Check(CompletionRequest request, out List<AITool>? tools, out ChatToolMode? mode)
    {
        tools = null;
        mode = null;
        if (request.Tools is { ValueKind: not JsonValueKind.Null } list)
        {
            if (list.ValueKind != JsonValueKind.Array)
                return new("tools", "Must be an array of {\"type\": \"function\", \"function\": {...}}.");
            tools = [];
            var i = 0;
            foreach (var tool in list.EnumerateArray())
            {
                var at = $"tools[{i++}]";
                if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out var type) || JsonText.Read(type) != "function"
                    || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object)
                    return new(at, "Must be {\"type\": \"function\", \"function\": {\"name\": ..., \"parameters\": {...}}}.");
                if (!function.TryGetProperty("name", out var n) || JsonText.Read(n) is not { Length: > 0 and <= 64 } name
                    || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
                    return new($"{at}.function.name", "Required: letters, digits, _ or -, at most 64 characters.");
                var description = function.TryGetProperty("description", out var d) ? JsonText.Read(d) : null;
                var parameters = function.TryGetProperty("parameters", out var p) && p.ValueKind == JsonValueKind.Object ? p.Clone() : NoParameters;
                tools.Add(AIFunctionFactory.CreateDeclaration(name, description, parameters));
            }
        }

        if (request.ToolChoice is not { ValueKind: not JsonValueKind.Null } choice)
        {
            mode = tools is { Count: > 0 } ? ChatToolMode.Auto : null;
            return null;
        }
        string? named = null;
        if (choice.ValueKind == JsonValueKind.Object)
        {
            named = choice.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object && f.TryGetProperty("name", out var n) ? JsonText.Read(n) : null;
            if (named is null)
                return new("tool_choice", "Must be none, auto, required or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
            if (tools?.Any(t => t.Name == named) != true)
                return new("tool_choice", $"Names '{named}', which is not among the tools.");
            mode = ChatToolMode.RequireSpecific(named);
        }
        else
        {
            mode = JsonText.Read(choice) switch
            {
                "none" => ChatToolMode.None,
                "auto" => ChatToolMode.Auto,
                "required" when tools is { Count: > 0 } => ChatToolMode.RequireAny,
                _ => null,
            };
            if (mode is null)
                return new("tool_choice", "Must be none, auto, required (with tools) or {\"type\": \"function\", \"function\": {\"name\": ...}}.");
        }
        if (mode is RequiredChatToolMode)
        {
            foreach (var tool in tools!.OfType<AIFunctionDeclaration>().Where(t => named is null || t.Name == named))
            {
                try
                {
                    JsonGrammar.FromSchema(tool.JsonSchema);
                }
                catch (JsonSchemaException e)
                {
                    return new("tools", $"The parameters of '{tool.Name}' cannot be enforced: {e.Message}");
                }
            }
        }
        return null;
    }

    /// <summary>An assistant message's <c>tool_calls</c> as function calls; null when they are not valid.</summary>
    public static List<FunctionCallContent>? CallsOf(JsonElement? toolCalls)
    {
        if (toolCalls is not { ValueKind: not JsonValueKind.Null } list)
            return [];
        if (list.ValueKind != JsonValueKind.Array)
            return null;
        var calls = new List<FunctionCallContent>();
        foreach (var call in list.EnumerateArray())
        {
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("id", out var id) || JsonText.Read(id) is not { } callId
                || !call.TryGetProperty("function", out var f) || f.ValueKind != JsonValueKind.Object
                || !f.TryGetProperty("name", out var n) || JsonText.Read(n) is not { Length: > 0 } name)
                return null;
            var arguments = f.TryGetProperty("arguments", out var a) ? JsonText.Read(a) : "{}";
            try
            {
                using var document = JsonDocument.Parse(arguments ?? "");
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    return null;
                calls.Add(new FunctionCallContent(callId, name,
                    document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value.Clone())));
            }
            catch (JsonException)
            {
                return null;
            }
        }
        return calls;
    }
}
