using ChatWeb.Engine.Sampling;
using System.Collections.Concurrent;

namespace ChatWeb.Engine.Scheduling;

/// <summary>
/// What every scheduler puts in front of its engine, whatever the engine steps (ChatWeb's transformer
/// batch by batch, ONNX Runtime GenAI generator by generator): the bounded FIFO queue, the slots
/// (<see cref="InferenceOptions.MaxConcurrentSequences"/>) and the per-owner limit, queue places with
/// estimated waits, Retry-After when full, cancellation and timeouts, progress and metrics. The engine side
/// says only whether a queued request may start now (<see cref="Admit"/>), streams tokens
/// (<see cref="Streamed"/>) and ends requests (<see cref="Finish"/>).
/// </summary>
/// <remarks>
/// Threads: submitters call <see cref="Submit"/>, <see cref="IsFull"/>, <see cref="TryCancel"/> and
/// <see cref="GetProgress"/> from anywhere; cancellation callbacks and timeout timers only flag the
/// generation and wake the loop. The scheduler's one loop thread calls <see cref="WaitForWork"/>,
/// <see cref="Admit"/>, <see cref="Streamed"/> and <see cref="Finish"/>, and alone touches the loop-only
/// fields of <see cref="Generation"/>.
/// </remarks>
internal sealed class SchedulerFront
{
    private readonly InferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly SchedulerMetrics _metrics;
    private readonly int _vocab;

    private readonly object _gate = new();
    private readonly List<Generation> _queue = [];                        // under _gate
    private readonly ConcurrentDictionary<Guid, Generation> _live = new(); // queued and active, by id
    private bool _wakePending;                                            // under _gate
    private bool _stopping;                                               // under _gate

    // loop thread only
    private readonly Dictionary<string, int> _activeByOwner = [];
    private readonly List<Generation> _ended = [];
    private double _meanServiceSeconds; // moving average of admitted-to-finished time; 0 until one finished

    private volatile int _activeCount; // written by the loop, read by anyone

    public SchedulerFront(InferenceOptions options, TimeProvider time, SchedulerMetrics metrics, int vocabularySize, int contextLength)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _vocab = vocabularySize;
        ContextLength = contextLength;
        MaxPromptTokens = Math.Min(options.EffectiveMaxPromptTokens, contextLength - 1);
        RequestTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);
    }

    public int ContextLength { get; }

    public int MaxPromptTokens { get; }

    public TimeSpan RequestTimeout { get; }

    /// <summary>Generations running now (admitted and not finished).</summary>
    public int ActiveCount => _activeCount;

    public int QueueLength
    {
        get
        {
            lock (_gate)
                return _queue.Count;
        }
    }

    /// <summary>Checks and queues a request (see <see cref="InferenceScheduler.Submit"/> for what it throws).</summary>
    public Generation Submit(GenerationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Check(request);
        cancellationToken.ThrowIfCancellationRequested();

        var generation = new Generation(request, _time.GetTimestamp());
        generation.CancellationRegistration = cancellationToken.UnsafeRegister(_ => Stop(generation, timedOut: false), null);
        generation.TimeoutTimer = _time.CreateTimer(_ => Stop(generation, timedOut: true), null, RequestTimeout, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            if (_stopping || _queue.Count >= Room())
            {
                generation.CancellationRegistration.Dispose();
                generation.TimeoutTimer.Dispose();
                if (_stopping)
                    throw new ObjectDisposedException(nameof(InferenceScheduler), "The server is shutting down.");
                _metrics.Rejected("queue_full");
                throw new ServerBusyException(RetryAfter());
            }
            _queue.Add(generation);
            _live[generation.Id] = generation;
            generation.QueuePosition = _queue.Count;
            generation.Publish(generation.Progress with { QueuePosition = _queue.Count, EstimatedWait = EstimateWait(_queue.Count) });
            _wakePending = true;
            Monitor.PulseAll(_gate);
        }
        return generation;
    }

    /// <summary>True when a request submitted now would be refused as busy.</summary>
    public bool IsFull(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = RetryAfter();
            return _queue.Count >= Room();
        }
    }

    /// <summary>Cancels a request if <paramref name="owner"/> owns it; false when it does not exist (any more) or is someone else's.</summary>
    public bool TryCancel(Guid id, string owner)
    {
        if (!_live.TryGetValue(id, out var generation) || generation.Owner != owner)
            return false;
        Stop(generation, timedOut: false);
        return true;
    }

    public GenerationProgress? GetProgress(Guid id) => _live.TryGetValue(id, out var g) ? g.Progress : null;

    /// <summary>Loop: waits until something is queued, running (<paramref name="busy"/>) or woken; false once stopping.</summary>
    public bool WaitForWork(bool busy)
    {
        lock (_gate)
        {
            while (!_stopping && !_wakePending && !busy && _queue.Count == 0)
                Monitor.Wait(_gate);
            _wakePending = false;
            return !_stopping;
        }
    }

    /// <summary>Wakes the loop from any thread (something it waits for happened outside the front: a remote answer's next piece).</summary>
    public void Wake()
    {
        lock (_gate)
        {
            _wakePending = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Loop: stops accepting requests and wakes the loop so that it ends.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Loop: ends queued requests that were cancelled or timed out, then starts queued requests first come
    /// first served while a slot is free, skipping those whose owner is at its limit. <paramref name="tryStart"/>
    /// gives the engine's side a say (KV cache memory): when it returns false nobody overtakes. It runs under
    /// the queue's lock, so it must only take what the request needs and not compute.
    /// </summary>
    public void Admit(Func<Generation, bool> tryStart)
    {
        lock (_gate)
        {
            for (var i = _queue.Count - 1; i >= 0; i--)
            {
                if (_queue[i].CancelRequested || _queue[i].TimedOut)
                {
                    _ended.Add(_queue[i]);
                    _queue.RemoveAt(i);
                }
            }

            for (var i = 0; i < _queue.Count && _activeCount < _options.MaxConcurrentSequences;)
            {
                var g = _queue[i];
                if (_activeByOwner.GetValueOrDefault(g.Owner) >= _options.MaxActivePerOwner)
                {
                    i++; // waits behind its owner's running generation; later requests may go first
                    continue;
                }
                if (!tryStart(g))
                    break; // the engine has no room until something finishes; nobody overtakes
                _queue.RemoveAt(i);
                g.State = GenerationState.Prompt;
                g.StartedAt = _time.GetTimestamp();
                g.QueuePosition = 0;
                g.Active = true;
                _activeByOwner[g.Owner] = _activeByOwner.GetValueOrDefault(g.Owner) + 1;
                _activeCount++;
                g.Publish(ProgressOf(g));
            }

            for (var i = 0; i < _queue.Count; i++)
            {
                var g = _queue[i];
                var wait = EstimateWait(i + 1);
                if (g.QueuePosition != i + 1 || (g.Progress.EstimatedWait is null && wait is not null))
                {
                    g.QueuePosition = i + 1;
                    g.Publish(g.Progress with { QueuePosition = i + 1, EstimatedWait = wait });
                }
            }
        }

        foreach (var g in _ended)
            Finish(g, g.TimedOut ? FinishReason.TimedOut : FinishReason.Cancelled, g.TimedOut ? new GenerationTimedOutException(RequestTimeout) : null);
        _ended.Clear();
    }

    /// <summary>Loop: the reason a running generation must end now (its owner cancelled it, or it ran out of time); null to go on.</summary>
    public (FinishReason Reason, Exception? Error)? StopReason(Generation g) =>
        g.TimedOut ? (FinishReason.TimedOut, new GenerationTimedOutException(RequestTimeout))
        : g.CancelRequested ? (FinishReason.Cancelled, null)
        : null;

    /// <summary>Loop: <paramref name="g"/> produced <paramref name="token"/> at <paramref name="now"/>; counts, times and streams it.</summary>
    public void Streamed(Generation g, int token, long now, StepLogprobs? logprobs = null)
    {
        g.Generated++;
        if (g.Generated == 1)
        {
            g.FirstTokenAt = now;
            _metrics.TimeToFirstToken(_time.GetElapsedTime(g.SubmittedAt, now));
        }
        else
        {
            _metrics.InterToken(_time.GetElapsedTime(g.LastTokenAt, now));
        }
        g.LastTokenAt = now;
        g.LastToken = token;
        g.Publish(ProgressOf(g), token, logprobs);
    }

    /// <summary>Loop: ends <paramref name="g"/> (the engine's side has already freed what it held): frees its slot, records it, completes its stream.</summary>
    public void Finish(Generation g, FinishReason reason, Exception? error)
    {
        var now = _time.GetTimestamp();
        if (g.Active)
        {
            g.Active = false;
            if (--_activeByOwner[g.Owner] == 0)
                _activeByOwner.Remove(g.Owner);
            _activeCount--;
            if (reason is FinishReason.Stop or FinishReason.Length)
            {
                var seconds = _time.GetElapsedTime(g.StartedAt, now).TotalSeconds;
                _meanServiceSeconds = _meanServiceSeconds <= 0 ? seconds : 0.8 * _meanServiceSeconds + 0.2 * seconds;
            }
        }
        _live.TryRemove(g.Id, out _);
        g.CancellationRegistration?.Dispose();
        g.TimeoutTimer?.Dispose();
        g.State = reason == FinishReason.Cancelled ? GenerationState.Cancelled : GenerationState.Finished;
        _metrics.Finished(reason, g.Generated, g.Generated > 0 ? _time.GetElapsedTime(g.FirstTokenAt, g.LastTokenAt) : TimeSpan.Zero);
        g.Publish(ProgressOf(g));
        g.Complete(reason, error);
    }

    /// <summary>Loop, at shutdown: removes and returns every queued request (the caller fails them with <see cref="Finish"/>).</summary>
    public List<Generation> TakeQueued()
    {
        lock (_gate)
        {
            var queued = _queue.ToList();
            _queue.Clear();
            return queued;
        }
    }

    /// <summary>Where <paramref name="g"/> stands now: state, queue place, prompt read (of the tokens it must read: those
    /// found in a kept conversation's cache are not counted), tokens and speed.</summary>
    public GenerationProgress ProgressOf(Generation g)
    {
        var tokensPerSecond = 0.0;
        if (g.Generated > 1)
        {
            var seconds = _time.GetElapsedTime(g.FirstTokenAt, g.LastTokenAt).TotalSeconds;
            tokensPerSecond = seconds > 0 ? (g.Generated - 1) / seconds : 0;
        }
        return new GenerationProgress(g.State, g.QueuePosition, null, g.PromptDone - g.PromptReused,
            g.Request.PromptTokens.Length - g.PromptReused, g.Generated, tokensPerSecond);
    }

    private int Room() => _options.QueueSize + Math.Max(0, _options.MaxConcurrentSequences - _activeCount);

    private void Check(GenerationRequest request)
    {
        var prompt = request.PromptTokens ?? throw new ArgumentException("The request has no prompt tokens.", nameof(request));
        if (prompt.Length == 0)
            throw new ArgumentException("The prompt is empty.", nameof(request));
        foreach (var token in prompt)
        {
            if ((uint)token >= (uint)_vocab)
                throw new ArgumentException($"Prompt token {token} is not in the model's vocabulary (0 to {_vocab - 1}).", nameof(request));
        }
        if (request.MaxNewTokens < 1)
            throw new ArgumentException($"MaxNewTokens must be at least 1, not {request.MaxNewTokens}.", nameof(request));
        if (string.IsNullOrEmpty(request.Owner))
            throw new ArgumentException("The request has no owner.", nameof(request));
        request.Sampling.Validate();
        if (prompt.Length > MaxPromptTokens)
        {
            _metrics.Rejected("prompt_too_long");
            throw new PromptTooLongException(prompt.Length, MaxPromptTokens);
        }
    }

    private void Stop(Generation generation, bool timedOut)
    {
        generation.RequestStop(timedOut);
        lock (_gate)
        {
            _wakePending = true;
            Monitor.PulseAll(_gate);
        }
    }

    private TimeSpan RetryAfter()
    {
        var mean = _meanServiceSeconds;
        if (mean <= 0)
            return TimeSpan.FromSeconds(5);
        var waves = (double)(_queue.Count + 1) / _options.MaxConcurrentSequences;
        return TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(waves) * mean, 1, 600));
    }

    private TimeSpan? EstimateWait(int position)
    {
        var mean = _meanServiceSeconds;
        return mean <= 0 ? null : TimeSpan.FromSeconds(Math.Ceiling((double)position / _options.MaxConcurrentSequences) * mean);
    }
}
