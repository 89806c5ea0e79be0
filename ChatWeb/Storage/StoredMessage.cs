using ChatWeb.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Storage;

/// <summary>One stored message of a conversation, with the model's thoughts when it had any.</summary>
public sealed record StoredMessage(
    string Id, ChatRole Role, string Text, string? Thoughts, MessageStatus Status, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
