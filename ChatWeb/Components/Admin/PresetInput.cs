namespace ChatWeb.Components.Admin;

/// <summary>What the admin typed into a preset form; kept as typed when the store refuses it.</summary>
public sealed class PresetInput
{
    public string? Name { get; set; }
    public string? Text { get; set; }
    public string? Extra { get; set; }
}
