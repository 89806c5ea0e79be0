namespace ChatWeb.Api.Conversations;

/// <summary>
/// Where API conversations live between requests. Today in memory
/// (<see cref="InMemoryConversationStore"/>); the persistent conversation store can replace this registration.
/// </summary>
internal interface IConversationStore
{
    ApiConversation Create();

    /// <summary>A conversation for a single exchange: not kept, so it cannot be continued and takes no room.</summary>
    ApiConversation CreateOneOff();

    /// <summary>The conversation with this id, or null when there is none (unknown or forgotten).</summary>
    ApiConversation? Find(string id);
}
