namespace ChatWeb.Chat;

/// <summary>Where a message is in its life: still streaming, complete, stopped by the user, failed, or
/// interrupted (the page was closed or reloaded, or the server stopped, while it streamed).</summary>
public enum MessageStatus
{
    Streaming,
    Complete,
    Stopped,
    Failed,
    Interrupted,
}
