namespace ChatWeb.Storage;

/// <summary>A conversation found by a search, with the matching part of a message (null when only its title matched).</summary>
public sealed record SearchHit(StoredConversation Conversation, string? Snippet);
