namespace ChatWeb.Storage;

/// <summary>A conversation as stored: whose it is, its title, chosen preset (null: the default), settings (JSON) and whether it is pinned.</summary>
public sealed record StoredConversation(
    string Id, string Owner, string Title, string? PresetId, string Settings, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    bool Pinned = false);
