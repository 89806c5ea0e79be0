namespace ChatWeb.Storage;

/// <summary>
/// Opens the database before the server takes requests: creates or migrates it, seeds the default
/// preset, and (on a database no other instance shares) marks answers that were streaming when the server
/// last stopped as interrupted.
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
            // A shared database's streaming answers may be another instance's, still running: the page that
            // loads one marks it interrupted when no instance writes it any more (ChatHistory.LoadAsync).
            var interrupted = database.IsShared ? 0 : conversations.MarkStreamingInterrupted();
            LogOpened(database.Location, version, interrupted);
        }
        catch (DatabaseStartupException ex)
        {
            LogCannotStart(ex.Message);
            throw;
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Location} ready (schema version {Version}); {Interrupted} answers cut by the last shutdown marked interrupted.")]
    private partial void LogOpened(string location, int version, int interrupted);

    [LoggerMessage(Level = LogLevel.Critical, Message = "ChatWeb cannot start: {Reason}")]
    private partial void LogCannotStart(string reason);
}
