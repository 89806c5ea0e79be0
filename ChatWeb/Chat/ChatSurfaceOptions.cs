using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Chat;

/// <summary>Settings of the chat page, bound from <c>ChatWeb:Chat</c>.</summary>
public sealed class ChatSurfaceOptions
{
    public const string Section = "ChatWeb:Chat";

    /// <summary>Least time between two renders of a streaming message, in milliseconds (50 = at most 20 per second).</summary>
    [Range(0, 1000)]
    public int RenderIntervalMs { get; set; } = 50;

    /// <summary>Incremental (frozen blocks, coalesced renders) or Naive (benchmark baseline only).</summary>
    public StreamingRenderMode StreamingRender { get; set; } = StreamingRenderMode.Incremental;
}
