namespace ChatWeb.Chat;

/// <summary>Where a message is in its life: still streaming, complete, stopped by the user, or failed.</summary>
public enum MessageStatus
{
    Streaming,
    Complete,
    Stopped,
    Failed,
}
