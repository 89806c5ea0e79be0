namespace ChatWeb.Engine.Remote;

internal static partial class RemoteLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model}: endpoint {Address} failed: {Reason}")]
    public static partial void EndpointFailed(ILogger logger, string model, string address, string reason, Exception exception);
}
