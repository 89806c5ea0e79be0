namespace ChatWeb.Inference;

/// <summary>
/// The chat backend's status as it is now, and an event when it changes: loading (with progress),
/// ready, or demo with the reason. The chat page, /health and the APIs read it; only
/// <see cref="ModelHost"/> (and tests) set it.
/// </summary>
public sealed class BackendState(BackendStatus initial)
{
    private volatile BackendStatus _current = initial;

    public BackendStatus Current => _current;

    /// <summary>Raised on the thread that set the new status (the loading thread); a component must InvokeAsync.</summary>
    public event Action<BackendStatus>? Changed;

    public void Set(BackendStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        _current = status;
        Changed?.Invoke(status);
    }
}
