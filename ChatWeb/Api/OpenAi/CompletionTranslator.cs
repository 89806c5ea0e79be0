using System.Text;
using System.Text.Json;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Sampling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.OpenAi;

/// <summary>
/// Checks an OpenAI chat completion request and turns it into what the <see cref="IChatClient"/> takes.
/// Each problem names OpenAI's parameter (<c>param</c>) and what is wrong.
/// </summary>
internal static class CompletionTranslator
{
    public sealed record Problem(string Param, string Message);

    public static Problem? Check(CompletionRequest request)
    {
        if (string.IsNullOrWhiteSpace(request.Model))
            return new("model", "Required: the model's id (GET /v1/models lists it).");
        if (!JsonText.IsWellFormed(request.Model))
            return new("model", "Is not valid Unicode text.");
        if (request.Messages is not { Count: > 0 })
            return new("messages", "Required: at least one message.");
        for (var i = 0; i < request.Messages.Count; i++)
        {
            var message = request.Messages[i];
            if (message is null)
                return new($"messages[{i}]", "Must be a message object, not null.");
            if (RoleOf(message.Role) is null)
                return new($"messages[{i}].role", $"Unknown role '{message.Role}'; use system, developer, user, assistant or tool.");
            if (Tools.CallsOf(message.ToolCalls) is null)
                return new($"messages[{i}].tool_calls", "Must be an array of {\"id\", \"type\": \"function\", \"function\": {\"name\", \"arguments\": \"<a JSON object>\"}}.");
            if (message.Role == "tool" && string.IsNullOrEmpty(message.ToolCallId))
                return new($"messages[{i}].tool_call_id", "Required in a tool message: the id of the call it answers.");
            if (TextOf(message.Content) is null)
                return new($"messages[{i}].content", "Must be a string or an array of text parts ({\"type\": \"text\", \"text\": \"...\"}), in valid Unicode.");
        }
        if (request.N is { } n && n != 1)
            return new("n", "Only n = 1 is supported.");
        if (request.Temperature is < 0 or > 2)
            return new("temperature", "Must be between 0 and 2.");
        if (request.TopP is <= 0 or > 1)
            return new("top_p", "Must be greater than 0 and at most 1.");
        if (request.MaxTokens is < 1)
            return new("max_tokens", "Must be at least 1.");
        if (request.MaxCompletionTokens is < 1)
            return new("max_completion_tokens", "Must be at least 1.");
        if (request.ReasoningEffort is not null && EffortOf(request.ReasoningEffort) is null)
            return new("reasoning_effort", "Must be none, minimal, low, medium or high.");
        if (StopOf(request.Stop) is null)
            return new("stop", "Must be a string or an array of at most 4 non-empty strings, in valid Unicode.");
        if (request.TopLogprobs is < 0 or > StepLogprobs.MaxTop)
            return new("top_logprobs", $"Must be between 0 and {StepLogprobs.MaxTop}.");
        if (request.TopLogprobs is not null && request.Logprobs != true)
            return new("top_logprobs", "Needs logprobs set to true.");
        return ResponseFormats.Check(request.ResponseFormat, out _) ?? Tools.Check(request, out _, out _);
    }

    public static List<ChatMessage> Messages(CompletionRequest request) =>
        request.Messages!.Select(m => MessageOf(m!)).ToList();

    private static ChatMessage MessageOf(CompletionMessage m)
    {
        var role = RoleOf(m.Role)!.Value;
        var text = TextOf(m.Content)!;
        if (role == ChatRole.Tool)
            return new ChatMessage(role, [new FunctionResultContent(m.ToolCallId!, text)]);
        var calls = Tools.CallsOf(m.ToolCalls)!;
        return calls.Count == 0 ? new ChatMessage(role, text)
            : new ChatMessage(role, [.. (text.Length > 0 ? [new TextContent(text)] : Array.Empty<AIContent>()), .. calls]);
    }

    public static ChatOptions Options(CompletionRequest request) => new ChatOptions()
    {
        ModelId = request.Model,
        Temperature = (float?)request.Temperature,
        TopP = (float?)request.TopP,
        MaxOutputTokens = request.MaxCompletionTokens ?? request.MaxTokens,
        Seed = request.Seed,
        StopSequences = StopOf(request.Stop) is { Count: > 0 } stop ? stop : null,
        Reasoning = EffortOf(request.ReasoningEffort) is { } effort ? new ReasoningOptions { Effort = effort } : null,
        ResponseFormat = ResponseFormats.Check(request.ResponseFormat, out var format) is null ? format : null,
        Tools = Tools.Check(request, out var tools, out _) is null ? tools : null,
        ToolMode = Tools.Check(request, out _, out var mode) is null ? mode : null,
    }.WithLogprobsIf(request.Logprobs == true ? request.TopLogprobs ?? 0 : null);

    private static ChatOptions WithLogprobsIf(this ChatOptions options, int? top) => top is { } n ? options.WithLogprobs(n) : options;

    private static ReasoningEffort? EffortOf(string? effort) => effort switch
    {
        "none" => ReasoningEffort.None,
        "minimal" or "low" => ReasoningEffort.Low,
        "medium" => ReasoningEffort.Medium,
        "high" => ReasoningEffort.High,
        _ => null,
    };

    private static ChatRole? RoleOf(string? role) => role switch
    {
        "system" or "developer" => ChatRole.System,
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        "tool" => ChatRole.Tool,
        _ => null,
    };

    private static string? TextOf(JsonElement? content)
    {
        if (content is not { } c || c.ValueKind == JsonValueKind.Null)
            return "";
        if (c.ValueKind == JsonValueKind.String)
            return JsonText.Read(c);
        if (c.ValueKind != JsonValueKind.Array)
            return null;
        var text = new StringBuilder();
        foreach (var part in c.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || JsonText.Read(type) != "text"
                || !part.TryGetProperty("text", out var value) || JsonText.Read(value) is not { } partText)
                return null;
            text.Append(partText);
        }
        return text.ToString();
    }

    /// <summary>The stop sequences (empty when none), or null when the value is not valid.</summary>
    public static List<string>? StopOf(JsonElement? stop)
    {
        if (stop is not { } s || s.ValueKind == JsonValueKind.Null)
            return [];
        if (s.ValueKind == JsonValueKind.String)
            return JsonText.Read(s) is { Length: > 0 } one ? [one] : null;
        if (s.ValueKind != JsonValueKind.Array || s.GetArrayLength() > 4)
            return null;
        var all = s.EnumerateArray().Select(JsonText.Read).ToList();
        return all.All(x => !string.IsNullOrEmpty(x)) ? all.Select(x => x!).ToList() : null;
    }
}
