namespace ChatWeb.Chat;

/// <summary>
/// The one rule for how long a prompt may be, whatever brings it: the chat page's composer, <c>/api/chat</c>,
/// a WebSocket "chat" and each prompt of a chain (also after its placeholders are filled).
/// </summary>
public static class PromptLength
{
    public const int MaxCharacters = 100_000;

    /// <summary>Why a prompt of <paramref name="length"/> characters is refused, or null when it is accepted.</summary>
    public static string? Problem(long length) =>
        length > MaxCharacters ? $"At most {MaxCharacters} characters (this one has {length})." : null;
}
