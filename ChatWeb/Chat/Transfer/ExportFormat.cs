namespace ChatWeb.Chat.Transfer;

/// <summary>The kinds of file an export writes: Markdown to read, JSON to import again.</summary>
public enum ExportFormat
{
    Markdown,
    Json,
}

/// <summary>Export one conversation (<see cref="ConversationId"/>) or, when null, all of the session's.</summary>
public sealed record ExportRequest(string? ConversationId, ExportFormat Format);
