namespace ChatWeb.Engine.Remote;

/// <summary>
/// A circuit breaker for one endpoint. Closed: requests go through. After
/// <see cref="RemoteModelSettings.FailuresToOpen"/> failures in a row (requests that failed before their first
/// token, or health probes) it opens: no request goes there for <see cref="RemoteModelSettings.BreakDuration"/>.
/// Then it half-opens: one request (or a probe) tries it; success closes it, failure opens it again.
/// </summary>
/// <remarks>
/// <code>
///   Closed ──n failures──► Open ──break over, a request or probe takes the trial──► HalfOpen ──success──► Closed
///                            ▲                                                        │
///                            └──────────────────────── failure ──────────────────────┘
/// </code>
/// Thread-safe: requests and probes report from any thread.
/// </remarks>
internal sealed class EndpointCircuit(RemoteEndpoint endpoint, RemoteModelSettings settings, TimeProvider time)
{
    private enum State { Closed, Open, HalfOpen }

    private readonly Lock _gate = new();
    private State _state = State.Closed;
    private int _failures;        // in a row
    private long _openedAt;       // timestamp, while open
    private bool _everAnswered;
    private string? _lastError;
    private DateTimeOffset? _lastChecked;

    public RemoteEndpoint Endpoint { get; } = endpoint;

    /// <summary>True when a request may go to the endpoint now (for a half-open one: this request is its trial).</summary>
    public bool TryAcquire()
    {
        lock (_gate)
        {
            switch (_state)
            {
                case State.Closed:
                    return true;
                case State.Open when time.GetElapsedTime(_openedAt) >= settings.BreakDuration:
                    _state = State.HalfOpen;
                    return true;
                default:
                    return false;
            }
        }
    }

    /// <summary>The endpoint answered (a first token, or a probe).</summary>
    public void Succeeded()
    {
        lock (_gate)
        {
            _state = State.Closed;
            _failures = 0;
            _everAnswered = true;
            _lastError = null;
            _lastChecked = time.GetUtcNow();
        }
    }

    /// <summary>The endpoint failed before answering (refused, timed out, an error status, a failed probe).</summary>
    public void Failed(string reason)
    {
        lock (_gate)
        {
            _failures++;
            _lastError = reason;
            _lastChecked = time.GetUtcNow();
            if (_state == State.HalfOpen || _failures >= settings.FailuresToOpen)
            {
                _state = State.Open;
                _openedAt = time.GetTimestamp();
            }
        }
    }

    /// <summary>A request given the trial ended without saying anything about the endpoint (its user stopped it): let another try.</summary>
    public void Released()
    {
        lock (_gate)
        {
            if (_state == State.HalfOpen)
                _state = State.Open; // the break is already over: the next request is the trial
        }
    }

    /// <summary>True when a probe is due: the endpoint is closed, or open with its break over.</summary>
    public bool ProbeDue()
    {
        lock (_gate)
            return _state == State.Closed || (_state == State.Open && time.GetElapsedTime(_openedAt) >= settings.BreakDuration);
    }

    public EndpointStatus Status()
    {
        lock (_gate)
        {
            var health = _state != State.Closed ? EndpointHealth.Down
                : _failures > 0 ? EndpointHealth.Failing
                : _everAnswered ? EndpointHealth.Up
                : EndpointHealth.Unknown;
            return new EndpointStatus(Endpoint.Address, health, _lastError, _lastChecked);
        }
    }
}
