using ChatWeb.Chat;
namespace ChatWeb.Api.Chat;

/// <summary>The body of <c>POST /api/chat</c> and <c>/api/chat/sync</c> (and of a WebSocket "chat" message).</summary>
internal sealed class ChatRequest
{
    public const int MaxMessageLength = PromptLength.MaxCharacters;

    /// <summary>The user's prompt.</summary>
    public string? Message { get; init; }

    /// <summary>Continue this conversation; omit to start a new one.</summary>
    public string? ConversationId { get; init; }

    /// <summary>The name of a system preset (GET /api/presets lists them).</summary>
    public string? Preset { get; init; }

    /// <summary>A system prompt of the caller's own (after the preset's, when both are given).</summary>
    public string? System { get; init; }

    public GenerationSettings? Settings { get; init; }

    /// <summary>The model that answers (GET /v1/models lists them); omit for the local model.</summary>
    public string? Model { get; init; }

    /// <summary>The one check of a prompt sent to any chat endpoint: present, and not longer than <see cref="PromptLength"/> allows.</summary>
    public static void CheckPrompt(string? prompt, string field, string example, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(prompt))
            errors[field] = [$"Required: the prompt to send{example}."];
        else if (PromptLength.Problem(prompt.Length) is { } tooLong)
            errors[field] = [tooLong];
    }
}
