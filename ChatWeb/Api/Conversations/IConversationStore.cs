namespace ChatWeb.Api.Conversations;

/// <summary>
/// Where API conversations live between requests, each tied to its owner: the database
/// (<see cref="DatabaseConversationStore"/>), so every instance sharing it can continue one.
/// </summary>
internal interface IConversationStore
{
    /// <summary>A new conversation of <paramref name="owner"/>, and the ids of the owner's conversations forgotten to make room for it.</summary>
    (ApiConversation Conversation, IReadOnlyList<string> Forgotten) Create(string owner);

    /// <summary>A conversation of <paramref name="owner"/> for a single exchange: not kept, so it cannot be continued and takes no room.</summary>
    ApiConversation CreateOneOff(string owner);

    /// <summary>
    /// The conversation with this id when it belongs to <paramref name="owner"/>; null when there is none
    /// (unknown, forgotten, or someone else's: the caller cannot tell which).
    /// </summary>
    ApiConversation? Find(string id, string owner);
}
