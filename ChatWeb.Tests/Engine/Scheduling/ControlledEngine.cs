using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>
/// A real model behind the scheduler's engine seam, which a test can hold between steps (to arrange
/// the queue deterministically), make fail on a chosen token, and whose steps it can inspect.
/// </summary>
internal sealed class ControlledEngine(Transformer model) : IStepEngine, IDisposable
{
    private readonly SemaphoreSlim _permits = new(0);
    private readonly SemaphoreSlim _waiting = new(0);
    private volatile bool _held;

    public ModelConfig Config => model.Config;

    /// <summary>A row with this token makes the step throw (as a failing kernel would); -1 = never.</summary>
    public int FaultToken { get; set; } = -1;

    /// <summary>Per completed step: the rows' sequences and whether each wanted logits.</summary>
    public List<BatchToken[]> Steps { get; } = [];

    public Sequence CreateSequence(int capacity = 0) => model.CreateSequence(capacity);

    public long KvCacheBytes(int capacity) => model.KvCacheBytes(capacity);

    public void Forward(ReadOnlySpan<BatchToken> rows, Span<float> logits)
    {
        if (_held)
        {
            _waiting.Release();
            _permits.Wait();
        }
        foreach (var row in rows)
        {
            if (row.Token == FaultToken)
                throw new InvalidOperationException($"injected fault on token {FaultToken}");
        }
        model.Forward(rows, logits);
        lock (Steps)
            Steps.Add(rows.ToArray());
    }

    /// <summary>From now on each step waits for <see cref="Allow"/>.</summary>
    public void Hold() => _held = true;

    /// <summary>Waits until the scheduler's loop stands at the start of a held step.</summary>
    public Task WaitForStepAsync() => _waiting.WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(t =>
        Assert.True(t.Result, "the scheduler never reached a step"));

    public void Allow(int steps = 1) => _permits.Release(steps);

    /// <summary>Stops holding steps and lets a waiting one go.</summary>
    public void Run()
    {
        _held = false;
        _permits.Release(1000);
    }

    public void Dispose() => model.Dispose();
}
