namespace ChatWeb.Chat;

/// <summary>
/// Why the last turn got no answer (the server was busy, the backend failed). No failed answer is
/// stored: the page shows this on the turn with Retry. <paramref name="Prompt"/> is the prompt that
/// went back into the composer (null when Regenerate or Edit failed: its prompt stays in the conversation).
/// </summary>
public sealed record TurnFailure(string Message, string? Prompt);
