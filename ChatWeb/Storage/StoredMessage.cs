using ChatWeb.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Storage;

/// <summary>
/// One stored message of a conversation, with the model's thoughts when it had any. Messages form a
/// tree: <see cref="ParentId"/> is the message it answers or follows (null for the first), siblings are
/// the alternatives (regenerated answers, edited prompts) and <see cref="Selected"/> marks the one shown.
/// <see cref="Branch"/> is its place among its siblings on the selected path.
/// </summary>
public sealed record StoredMessage(
    string Id, ChatRole Role, string Text, string? Thoughts, MessageStatus Status, string? Error,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, MessageStats? Stats = null,
    string? ParentId = null, bool Selected = true, BranchPosition Branch = default);

/// <summary>How long the model thought, how many tokens it wrote and how long it took (each when known).</summary>
public sealed record MessageStats(TimeSpan? Thinking, int? OutputTokens, TimeSpan? Generation);
