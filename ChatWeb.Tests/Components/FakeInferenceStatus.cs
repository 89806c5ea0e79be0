using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Tests.Components;

/// <summary>An inference status the test sets by hand (loading, ready, demo), as the model host would from its loading thread.</summary>
public sealed class FakeInferenceStatus(InferenceStatus initial) : IInferenceStatus
{
    private volatile InferenceStatus _current = initial;

    public InferenceStatus Current => _current;

    public event Action<InferenceStatus>? Changed;

    public void Set(InferenceStatus status)
    {
        _current = status;
        Changed?.Invoke(status);
    }

    public bool IsQueueFull(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        return false;
    }

    /// <summary>Where the figures come from (a test's real scheduler); none by default.</summary>
    public Func<SchedulerSnapshot>? Scheduler { get; init; }

    public SchedulerSnapshot? Snapshot() => Scheduler?.Invoke();

    public Task WhenLoaded() => Task.CompletedTask;
}
