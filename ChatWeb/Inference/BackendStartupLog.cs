using Microsoft.Extensions.AI;

namespace ChatWeb.Inference;

/// <summary>At start-up, logs which backend answers (and why there is no model, in demo mode), and builds the chat client so a model's template problems show up in the log right away.</summary>
internal sealed partial class BackendStartupLog(BackendStatus status, IServiceProvider services, ILogger<BackendStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (status.ModelLoaded)
        {
            _ = services.GetRequiredService<IChatClient>();
            LogModel(logger, status.Model ?? "?");
        }
        else
            LogDemo(logger, status.Reason ?? "");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat backend: local model '{Model}'.")]
    private static partial void LogModel(ILogger logger, string model);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat backend: demo mode. {Reason}")]
    private static partial void LogDemo(ILogger logger, string reason);
}
