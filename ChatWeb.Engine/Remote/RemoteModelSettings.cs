using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Engine.Remote;

/// <summary>How ChatWeb treats one model served elsewhere: its name here, the front's limits, and when to give up on an endpoint.</summary>
public sealed record RemoteModelSettings
{
    /// <summary>The name people and API clients pick the model by.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// The front's limits: <see cref="InferenceOptions.MaxConcurrentSequences"/> (requests sent to the model at once),
    /// <see cref="InferenceOptions.QueueSize"/>, <see cref="InferenceOptions.MaxActivePerOwner"/> and
    /// <see cref="InferenceOptions.RequestTimeoutSeconds"/>.
    /// </summary>
    public InferenceOptions Limits { get; init; } = new();

    /// <summary>How long an endpoint may take to send the first piece of an answer before the next endpoint is tried.</summary>
    public TimeSpan FirstTokenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Failures in a row (requests or probes) after which an endpoint gets no requests for <see cref="BreakDuration"/>.</summary>
    public int FailuresToOpen { get; init; } = 2;

    /// <summary>How long a failing endpoint rests before one request (or a probe) tries it again.</summary>
    public TimeSpan BreakDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Time between two health probes of each endpoint; <see cref="TimeSpan.Zero"/> probes never.</summary>
    public TimeSpan HealthCheckInterval { get; init; } = TimeSpan.FromSeconds(15);
}
