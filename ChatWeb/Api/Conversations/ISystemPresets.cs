namespace ChatWeb.Api.Conversations;

/// <summary>
/// The named system prompts a request can choose. Today they come from configuration
/// (<see cref="ConfiguredSystemPresets"/>); the admin-managed presets can replace this registration.
/// </summary>
internal interface ISystemPresets
{
    IReadOnlyCollection<string> Names { get; }

    /// <summary>The preset's system prompt, or null when there is no preset by that name.</summary>
    string? Find(string name);
}
