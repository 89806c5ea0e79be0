using ChatWeb.Chat;
namespace ChatWeb.Api.Chat;

/// <summary>The body of <c>POST /api/chat</c> and <c>/api/chat/sync</c> (and of a WebSocket "chat" message).</summary>
internal sealed class ChatRequest
{
    public const int MaxMessageLength = 100_000;

    /// <summary>The user's prompt.</summary>
    public string? Message { get; init; }

    /// <summary>Continue this conversation; omit to start a new one.</summary>
    public string? ConversationId { get; init; }

    /// <summary>The name of a system preset (GET /api/presets lists them).</summary>
    public string? Preset { get; init; }

    /// <summary>A system prompt of the caller's own (after the preset's, when both are given).</summary>
    public string? System { get; init; }

    public GenerationSettings? Settings { get; init; }

    /// <summary>The one rule for a prompt sent to any chat endpoint: present, and at most <see cref="MaxMessageLength"/> characters.</summary>
    public static void CheckPrompt(string? prompt, string field, string example, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(prompt))
            errors[field] = [$"Required: the prompt to send{example}."];
        else if (prompt.Length > MaxMessageLength)
            errors[field] = [$"At most {MaxMessageLength} characters."];
    }
}
