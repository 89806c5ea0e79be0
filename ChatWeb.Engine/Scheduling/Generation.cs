using System.Threading.Channels;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Sampling;

namespace ChatWeb.Engine.Scheduling;

/// <summary>How a generation ended.</summary>
public enum FinishReason
{
    /// <summary>A stop token ended the answer.</summary>
    Stop,

    /// <summary>MaxNewTokens or the context length was reached.</summary>
    Length,

/// <summary>Its owner cancelled it (Stop, a closed tab, a client gone).</summary>
    Cancelled,
/// <summary>It ran past <see cref="InferenceOptions.RequestTimeoutSeconds"/>.</summary>
    TimedOut,
/// <summary>The engine failed on it (only this request ends).</summary>
    Failed,
}

/// <summary>Something a generation streams: a new token (or none) and its progress at that moment.</summary>
/// <param name="Token">the new token id, or -1 when only the progress changed</param>
/// <param name="Progress">where the generation stands</param>
/// <param name="Logprobs">the token's log-probabilities, when the request asked for them (<see cref="GenerationRequest.Logprobs"/>)</param>
public readonly record struct GenerationUpdate(int Token, GenerationProgress Progress, StepLogprobs? Logprobs = null);

/// <summary>
/// One request's life in the <see cref="InferenceScheduler"/>, and the handle its submitter reads the
/// answer from. Fields under "loop thread only" belong to the scheduler's loop; see the scheduler's
/// class comment for who may touch what.
/// </summary>
public sealed class Generation
{
    private readonly Channel<GenerationUpdate> _updates =
        Channel.CreateUnbounded<GenerationUpdate>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly TaskCompletionSource<FinishReason> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile GenerationProgress _progress;
    private volatile int _stopRequested; // 1 = cancelled, 2 = timed out

    internal Generation(GenerationRequest request, long submittedAt)
    {
        Request = request;
        SubmittedAt = submittedAt;
        _progress = new GenerationProgress(GenerationState.Queued, 0, null, 0, request.PromptTokens.Length, 0, 0);
    }

    /// <summary>Identifies the request in the scheduler (for <see cref="InferenceScheduler.TryCancel"/>).</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>What was asked.</summary>
    public GenerationRequest Request { get; }

    /// <summary>Whose request it is (<see cref="GenerationRequest.Owner"/>).</summary>
    public string Owner => Request.Owner;

    /// <summary>The latest progress; readable from any thread.</summary>
    public GenerationProgress Progress => _progress;

    /// <summary>How it ended; completes after the last update is written.</summary>
    public Task<FinishReason> Completion => _finished.Task;

    /// <summary>
    /// Tokens (and progress changes) as the scheduler produces them. Ends when the generation ends;
    /// throws <see cref="GenerationTimedOutException"/> or <see cref="GenerationFailedException"/> when it
    /// ended that way.
    /// </summary>
    public IAsyncEnumerable<GenerationUpdate> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _updates.Reader.ReadAllAsync(cancellationToken);

    // ---- set from any thread: requests the loop to end the generation at its next step

    internal bool CancelRequested => _stopRequested == 1;

    internal bool TimedOut => _stopRequested == 2;

    internal void RequestStop(bool timedOut) => Interlocked.CompareExchange(ref _stopRequested, timedOut ? 2 : 1, 0);

    // ---- loop thread only

    internal long SubmittedAt { get; }
    internal long StartedAt;
    internal long FirstTokenAt;
    internal long LastTokenAt;
    internal Sequence? Sequence;
    internal Sampler? Sampler;
    internal int[] History = [];      // prompt, then generated tokens: the repetition penalty's window
    internal int PromptDone;          // prompt tokens in the cache
    internal int PromptReused;        // of which found in the owner's kept conversation (not read again)
    internal int Generated;           // tokens streamed
    internal int LastToken = -1;      // the token the next decode row feeds
    internal GenerationState State = GenerationState.Queued;
    internal int QueuePosition;
    internal bool Active;             // admitted and not finished: holds a slot
    internal IDisposable? CancellationRegistration;
    internal IDisposable? TimeoutTimer;

    internal void Publish(GenerationProgress progress, int token = -1, StepLogprobs? logprobs = null)
    {
        _progress = progress;
        _updates.Writer.TryWrite(new GenerationUpdate(token, progress, logprobs));
    }

    internal void Complete(FinishReason reason, Exception? error)
    {
        _updates.Writer.TryComplete(error);
        _finished.TrySetResult(reason);
    }
}
