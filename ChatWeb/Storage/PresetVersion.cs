namespace ChatWeb.Storage;

/// <summary>One saved edit of a preset: what it said, who saved it and when.</summary>
public sealed record PresetVersion(
    string PresetId, int Version, string Name, string Text, string Extra, string EditedBy, DateTimeOffset EditedAt, string? Note);
