namespace ChatWeb.Storage;

/// <summary>A system prompt preset as it is now: the main prompt and extra instructions appended after it.</summary>
public sealed record Preset(
    string Id, string Name, string Text, string Extra, int Position, bool IsDefault, int Version,
    DateTimeOffset UpdatedAt, string UpdatedBy)
{
    /// <summary>The system prompt the model sees: the main prompt, then the extra instructions.</summary>
    public string SystemPrompt => global::ChatWeb.Chat.SystemPrompt.Compose([Text, Extra]);
}
