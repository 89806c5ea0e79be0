namespace ChatWeb.Chat;

/// <summary>
/// The one rule for what the model receives as its system prompt: the parts in order (a preset's
/// text, its extra instructions, the caller's own system prompt), each trimmed, blank ones left out,
/// joined by a blank line into a single system message (many chat templates accept only one, first).
/// </summary>
public static class SystemPrompt
{
    public static string Compose(IEnumerable<string?> parts) =>
        string.Join("\n\n", parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()));
}
