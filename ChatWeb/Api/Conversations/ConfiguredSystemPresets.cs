using Microsoft.Extensions.Options;

namespace ChatWeb.Api.Conversations;

/// <summary>System presets from <c>ChatWeb:Api:SystemPresets</c> (name → prompt).</summary>
internal sealed class ConfiguredSystemPresets(IOptions<ApiOptions> options) : ISystemPresets
{
    private readonly Dictionary<string, string> _presets = new(options.Value.SystemPresets, StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<string> Names => _presets.Keys;

    public string? Find(string name) => _presets.GetValueOrDefault(name);
}
