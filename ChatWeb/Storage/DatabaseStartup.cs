namespace ChatWeb.Storage;

/// <summary>
/// Opens the database before the server takes requests: creates or migrates it, seeds the default
/// preset, and marks answers that were streaming when the server last stopped as interrupted.
/// A file that cannot be used stops start-up with a message saying what to do.
/// </summary>
internal sealed partial class DatabaseStartup(ChatDatabase database, PresetStore presets, ConversationStore conversations,
    ILogger<DatabaseStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            var version = database.Initialize();
            presets.EnsureSeeded();
            var interrupted = conversations.MarkStreamingInterrupted();
            LogOpened(database.FilePath, version, interrupted);
        }
        catch (DatabaseStartupException ex)
        {
            LogCannotStart(ex.Message);
            throw;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Path} ready (schema version {Version}); {Interrupted} answers cut by the last shutdown marked interrupted.")]
    private partial void LogOpened(string path, int version, int interrupted);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ChatWeb cannot start: {Reason}")]
    private partial void LogCannotStart(string reason);
}
