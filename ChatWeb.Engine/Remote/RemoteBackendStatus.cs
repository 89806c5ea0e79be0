using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Engine.Remote;

/// <summary>What an endpoint's circuit says about it.</summary>
public enum EndpointHealth
{
    /// <summary>Nothing has been sent or probed yet.</summary>
    Unknown,

    /// <summary>Its last request or probe succeeded; it gets requests.</summary>
    Up,

    /// <summary>It failed recently but not often enough to be rested; it still gets requests.</summary>
    Failing,

    /// <summary>It failed <see cref="RemoteModelSettings.FailuresToOpen"/> times in a row: it rests, then one request or probe tries it again.</summary>
    Down,
}

/// <summary>One endpoint of a remote model, now.</summary>
/// <param name="LastError">Why it last failed; null when its last request or probe succeeded.</param>
public sealed record EndpointStatus(string Address, EndpointHealth Health, string? LastError, DateTimeOffset? LastChecked);

/// <summary>A remote model now: its endpoints' health and its front's figures (queue, running requests, throughput).</summary>
public sealed record RemoteBackendStatus(string Name, IReadOnlyList<EndpointStatus> Endpoints, SchedulerSnapshot Scheduler)
{
    /// <summary>True when at least one endpoint may get a request now.</summary>
    public bool Available => Endpoints.Any(e => e.Health != EndpointHealth.Down);
}
