using ChatWeb.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Storage;

/// <summary>One stored message of a conversation, with the model's thoughts when it had any.</summary>
public sealed record StoredMessage(
    string Id, ChatRole Role, string Text, string? Thoughts, MessageStatus Status, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, MessageStats? Stats = null);

/// <summary>How long the model thought, how many tokens it wrote and how long it took (each when known).</summary>
public sealed record MessageStats(TimeSpan? Thinking, int? OutputTokens, TimeSpan? Generation);
