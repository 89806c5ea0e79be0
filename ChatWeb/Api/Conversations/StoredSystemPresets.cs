using ChatWeb.Storage;

namespace ChatWeb.Api.Conversations;

/// <summary>The admin's presets from the database, read on every request so edits apply at once.</summary>
internal sealed class StoredSystemPresets(PresetStore store) : ISystemPresets
{
    public IReadOnlyList<SystemPreset> List() => store.List().Select(ToSystemPreset).ToList();

    public SystemPreset? Find(string nameOrId)
    {
        var preset = store.List().FirstOrDefault(p => string.Equals(p.Name, nameOrId, StringComparison.OrdinalIgnoreCase))
                     ?? store.Find(nameOrId);
        return preset is null ? null : ToSystemPreset(preset);
    }

    public SystemPreset Default() => ToSystemPreset(store.Default());

    private static SystemPreset ToSystemPreset(Preset preset) => new(preset.Name, preset.SystemPrompt, preset.IsDefault);
}
