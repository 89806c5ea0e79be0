namespace ChatWeb.Api;

internal static partial class ApiLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "A reply failed in {Interface} for conversation {ConversationId}")]
    public static partial void ReplyFailed(ILogger logger, Exception exception, string @interface, string conversationId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The changed API keys are not valid, so the previous keys stay in use: {Reason}")]
    public static partial void KeysRejected(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "API conversation {ConversationId} could not be stored after its reply")]
    public static partial void ConversationNotSaved(ILogger logger, Exception exception, string conversationId);
}
