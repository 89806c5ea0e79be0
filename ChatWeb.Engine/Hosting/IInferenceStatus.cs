using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Engine.Hosting;

/// <summary>
/// The one view of the inference service that the rest of an application needs: whether a model is
/// loading (with progress), ready, or absent (with the reason); whether its queue is full; and the
/// scheduler's live figures. Pages, APIs, health checks and admin screens read this; none of them
/// touches the model, the scheduler or the chat client behind it.
/// </summary>
public interface IInferenceStatus
{
    /// <summary>The status now.</summary>
    InferenceStatus Current { get; }

    /// <summary>Raised on the thread that changed the status (the loading thread); a UI component must marshal to its own.</summary>
    event Action<InferenceStatus>? Changed;

    /// <summary>True when a new request would be refused as busy now; <paramref name="retryAfter"/> says when to try again.</summary>
    bool IsQueueFull(out TimeSpan retryAfter);

    /// <summary>The scheduler's figures now (queue, active sequences, KV cache, speeds); null while no model is loaded.</summary>
    SchedulerSnapshot? Snapshot();

    /// <summary>Completes once loading has ended, ready or not (at once when there is nothing to load); it never throws.</summary>
    Task WhenLoaded();
}
