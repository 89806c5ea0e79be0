namespace ChatWeb.Api.Conversations;

/// <summary>A system prompt a request can choose by name.</summary>
internal sealed record SystemPreset(string Name, string Prompt, bool IsDefault);

/// <summary>
/// The named system prompts API requests can choose: the presets the admin keeps on /admin/presets
/// (<see cref="StoredSystemPresets"/>).
/// </summary>
internal interface ISystemPresets
{
    IReadOnlyList<SystemPreset> List();

    /// <summary>The preset with this name (any case) or id, or null when there is none.</summary>
    SystemPreset? Find(string nameOrId);

    /// <summary>The preset a new conversation gets when the request chooses no system prompt.</summary>
    SystemPreset Default();
}
