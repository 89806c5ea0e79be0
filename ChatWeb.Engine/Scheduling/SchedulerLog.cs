namespace ChatWeb.Engine.Scheduling;

internal static partial class SchedulerLog
{
    [LoggerMessage(EventId = 800, Level = LogLevel.Error, Message = "The model failed on generation {Id}; that request fails, the others continue")]
    public static partial void EngineFailed(ILogger logger, Guid id, Exception exception);

    [LoggerMessage(EventId = 801, Level = LogLevel.Critical, Message = "The inference scheduler's step failed; the running requests fail")]
    public static partial void LoopFailed(ILogger logger, Exception exception);
}
