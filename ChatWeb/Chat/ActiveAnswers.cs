using System.Collections.Concurrent;

namespace ChatWeb.Chat;

/// <summary>
/// The answers being generated right now in this process, by stored message id. A page that opens a
/// conversation whose answer is still marked streaming asks here whether it is really still running
/// (another tab) or was cut off (its page was closed or reloaded).
/// </summary>
public sealed class ActiveAnswers
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _running = new();

    public void Begin(string messageId) => _running[messageId] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void End(string messageId)
    {
        if (_running.TryRemove(messageId, out var done))
            done.TrySetResult();
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the answer to end; true when it is no longer running.</summary>
    public async Task<bool> WaitUntilEndedAsync(string messageId, TimeSpan timeout)
    {
        if (!_running.TryGetValue(messageId, out var done))
            return true;
        try
        {
            await done.Task.WaitAsync(timeout);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
