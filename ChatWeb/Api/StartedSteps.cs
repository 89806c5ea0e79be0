using ChatWeb.Library;

namespace ChatWeb.Api;

/// <summary>
/// A reply's steps, started: <see cref="StartAsync"/> waits for the first step, by which time the request
/// is in the scheduler's queue (the engine reports its queue place at once). A refusal at submission
/// (queue full, prompt longer than the context, model loading) is thrown there, so a stream can still
/// answer it with a status code before its first byte.
/// </summary>
internal sealed class StartedSteps : IAsyncDisposable
{
    private readonly IAsyncEnumerator<ChatStep> _steps;
    private readonly bool _hasFirst;

    private StartedSteps(IAsyncEnumerator<ChatStep> steps, bool hasFirst)
    {
        _steps = steps;
        _hasFirst = hasFirst;
    }

    public static async Task<StartedSteps> StartAsync(IAsyncEnumerable<ChatStep> steps, CancellationToken cancellationToken)
    {
        var enumerator = steps.GetAsyncEnumerator(cancellationToken);
        try
        {
            return new StartedSteps(enumerator, await enumerator.MoveNextAsync());
        }
        catch
        {
            await enumerator.DisposeAsync();
            throw;
        }
    }

    /// <summary>The first step and the rest; read once. Reading to the end (or stopping early) disposes the steps.</summary>
    public async IAsyncEnumerable<ChatStep> ReadAllAsync()
    {
        await using (this)
        {
            for (var more = _hasFirst; more; more = await _steps.MoveNextAsync())
                yield return _steps.Current;
        }
    }

    public ValueTask DisposeAsync() => _steps.DisposeAsync();
}
