namespace ChatWeb.Engine.Scheduling;

/// <summary>
/// The one owner of a model that every request for tokens goes through, whatever runs the model
/// (ChatWeb's engine: <see cref="InferenceScheduler"/>; ONNX Runtime GenAI: <c>OnnxScheduler</c>). All share
/// the same front (<see cref="SchedulerFront"/>): bounded queue, slots, one generation per owner,
/// progress, cancellation, timeouts and the <c>ChatWeb.Inference</c> metrics.
/// </summary>
public interface IGenerationScheduler : IDisposable
{
    /// <summary>Most tokens one generation holds (prompt and answer).</summary>
    int ContextLength { get; }

    /// <summary>
    /// Queues a request and returns its handle at once. Throws <see cref="ServerBusyException"/> when the
    /// queue is full, <see cref="PromptTooLongException"/> for a prompt over the limit, and
    /// <see cref="ArgumentException"/> for a malformed request. Cancelling <paramref name="cancellationToken"/>
    /// ends the request at the engine's next step.
    /// </summary>
    Generation Submit(GenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Cancels a request if <paramref name="owner"/> owns it; false when it does not exist (any more) or is someone else's.</summary>
    bool TryCancel(Guid id, string owner);

    /// <summary>True when a request submitted now would be refused as busy; <paramref name="retryAfter"/> says when to try again.</summary>
    bool IsFull(out TimeSpan retryAfter);

    /// <summary>The scheduler's figures now (queue, active sequences, memory, speeds).</summary>
    SchedulerSnapshot Snapshot();
}
