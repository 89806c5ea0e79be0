using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Telemetry;

/// <summary>Microsoft.Extensions.AI's logging middleware for the app's chat client, with the engine's refusals logged as what they are.</summary>
internal static class ChatClientLogging
{
    /// <summary>
    /// Adds <see cref="LoggingChatClient"/>: calls at Debug, prompts, answers and every update at Trace. A request
    /// the engine refuses (busy, model still loading, prompt too long) is answered 429/503/400 and counted in the
    /// metrics, so it is logged at Debug rather than as an Error; real failures stay Errors.
    /// </summary>
    public static ChatClientBuilder UseChatWebLogging(this ChatClientBuilder builder) =>
        builder.Use((inner, services) => new LoggingChatClient(inner,
            new RefusalsAtDebug(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(LoggingChatClient)))));

    private sealed class RefusalsAtDebug(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is ServerBusyException or ModelLoadingException or PromptTooLongException && logLevel > LogLevel.Debug)
            {
                if (inner.IsEnabled(LogLevel.Debug))
                    inner.Log(LogLevel.Debug, eventId, state, null, (s, _) => $"{formatter(s, null)} {exception.Message}");
                return;
            }
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
