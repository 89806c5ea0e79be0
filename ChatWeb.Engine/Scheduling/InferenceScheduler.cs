using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Sampling;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Engine.Scheduling;

/// <summary>
/// The one owner of the model: every request for tokens goes through here, and one loop thread
/// advances all running requests together, one engine step at a time (continuous batching).
/// </summary>
/// <remarks>
/// <para>A request's states:</para>
/// <code>
///   Queued ──admitted──► Prompt ──last prompt chunk──► Decode ──stop token / MaxNewTokens / context full──► Finished
///     │                    │                             │
///     └──── cancelled by its owner, timed out, or failed by the engine ──────────────────────────────────► Cancelled / Finished
/// </code>
/// <para>Queued: waiting in a bounded FIFO queue (<see cref="InferenceOptions.QueueSize"/>). Admitted
/// first-come first-served when a slot (<see cref="InferenceOptions.MaxConcurrentSequences"/>) and KV
/// cache memory are free; a request whose owner already runs <see cref="InferenceOptions.MaxActivePerOwner"/>
/// generations is passed over and waits behind them. Prompt: each step feeds up to
/// <see cref="InferenceOptions.PromptChunkTokens"/> prompt tokens (all prompts together, oldest first).
/// Decode: each step feeds the last sampled token of every decoding request. Prompt chunks and decode
/// rows share ONE <see cref="IStepEngine.Forward"/> pass over the weights. A request that ends gives its
/// slot and KV cache back before the next step.</para>
/// <para>Who touches what:</para>
/// <list type="bullet">
/// <item>Submitters (circuits, API requests) call <see cref="Submit"/>, which checks the request and appends it to
/// the queue under <c>_gate</c>; they read answers from <see cref="Generation.ReadAllAsync"/> and progress from
/// <see cref="Generation.Progress"/>.</item>
/// <item>Cancellation callbacks, timeout timers and <see cref="TryCancel"/> only set the generation's stop flag and
/// wake the loop: the loop ends it within one step.</item>
/// <item>The loop thread alone calls the engine and touches the active list, sequences, samplers, the KV cache pool and
/// the loop-only fields of <see cref="Generation"/>; it takes <c>_gate</c> only to move requests out of the queue.</item>
/// </list>
/// </remarks>
public sealed class InferenceScheduler : IHostedService, IDisposable
{
    private readonly IStepEngine _engine;
    private readonly InferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SchedulerMetrics _metrics;
    private readonly KvCachePool _kv;
    private readonly int _vocab;
    private readonly Thread _thread;

    private readonly object _gate = new();
    private readonly List<Generation> _queue = [];                       // under _gate
    private readonly ConcurrentDictionary<Guid, Generation> _live = new();  // queued and active, by id
    private bool _wakePending;                                           // under _gate
    private bool _stopping;                                              // under _gate

    // loop thread only
    private readonly List<Generation> _active = [];
    private readonly Dictionary<string, int> _activeByOwner = [];
    private readonly List<Participant> _participants = [];
    private readonly List<Generation> _ended = [];
    private readonly BatchToken[] _rows;
    private readonly float[] _logits;  // [MaxConcurrentSequences, vocab]
    private double _meanServiceSeconds;  // moving average of admitted-to-finished time; 0 until one finished

    // written by the loop, read by anyone
    private volatile int _activeCount;
    private long _kvInUseBytes, _kvAllocatedBytes;

    /// <summary>A scheduler over <paramref name="model"/>; it starts its loop thread at once and owns nothing but its KV caches.</summary>
    public InferenceScheduler(Transformer model, InferenceOptions options, TimeProvider? time = null,
        IMeterFactory? meterFactory = null, ILogger<InferenceScheduler>? logger = null)
        : this((IStepEngine)model, options, time, meterFactory, logger)
    {
    }

    internal InferenceScheduler(IStepEngine engine, InferenceOptions options, TimeProvider? time = null,
        IMeterFactory? meterFactory = null, ILogger<InferenceScheduler>? logger = null)
    {
        _engine = engine;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _vocab = engine.Config.VocabSize;
        ContextLength = Math.Min(options.ContextLength, engine.Config.ContextLength);
        MaxPromptTokens = Math.Min(options.EffectiveMaxPromptTokens, ContextLength - 1);
        RequestTimeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds);

        var rowsNeeded = options.MaxConcurrentSequences + options.PromptChunkTokens;
        _kv = new KvCachePool(engine, options.KvCacheBudgetMb * 1024L * 1024, ContextLength);
        var oneConversation = _kv.Bytes(_kv.CapacityFor(ContextLength));
        if (oneConversation > _kv.BudgetBytes)
            throw new InvalidOperationException(
                $"{InferenceOptions.Section}:KvCacheBudgetMb = {options.KvCacheBudgetMb} cannot hold one conversation of {ContextLength} tokens " +
                $"with this model ({(oneConversation + (1 << 20) - 1) >> 20} MB); raise it or lower {InferenceOptions.Section}:ContextLength.");

        _rows = new BatchToken[rowsNeeded];
        _logits = new float[options.MaxConcurrentSequences * _vocab];
        _metrics = new SchedulerMetrics(meterFactory, _time, Snapshot);
        _thread = new Thread(Loop) { IsBackground = true, Name = "ChatWeb scheduler" };
        _thread.Start();
    }

    /// <summary>Engine options that fit these scheduler options: a step of every decode row and a prompt chunk is one pass over the weights.</summary>
    public static EngineOptions EngineOptionsFor(InferenceOptions options) =>
        new() { Threads = options.Threads, MaxBatch = options.MaxConcurrentSequences + options.PromptChunkTokens };

    /// <summary>The meter whose instruments the scheduler records (<c>chatweb.inference.*</c>): queue, sequences, KV cache, speed, latencies.</summary>
    public const string MeterName = SchedulerMetrics.MeterName;

    /// <summary>Most tokens one generation holds: the configured context length capped by the model's.</summary>
    public int ContextLength { get; }

    /// <summary>Longest prompt accepted, in tokens (longer ones throw <see cref="PromptTooLongException"/>).</summary>
    public int MaxPromptTokens { get; }

    /// <summary>Wall-clock limit of a request, queueing included.</summary>
    public TimeSpan RequestTimeout { get; }

    internal ModelConfig ModelConfig => _engine.Config;

    /// <summary>
    /// Queues a request and returns its handle at once. Throws <see cref="ServerBusyException"/> when the
    /// queue is full, <see cref="PromptTooLongException"/> for a prompt over the limit, and
    /// <see cref="ArgumentException"/> for a malformed request. <paramref name="cancellationToken"/> is the
    /// owner's: cancelling it ends the request within one engine step.
    /// </summary>
    public Generation Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        Check(request);
        cancellationToken.ThrowIfCancellationRequested();

        var generation = new Generation(request, _time.GetTimestamp());
        generation.CancellationRegistration = cancellationToken.UnsafeRegister(_ => Stop(generation, timedOut: false), null);
        generation.TimeoutTimer = _time.CreateTimer(_ => Stop(generation, timedOut: true), null, RequestTimeout, Timeout.InfiniteTimeSpan);
        lock (_gate)
        {
            var room = _options.QueueSize + Math.Max(0, _options.MaxConcurrentSequences - _activeCount);
            if (_stopping || _queue.Count >= room)
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

    /// <summary>True when a request submitted now would be refused as busy: for APIs that must answer 429 before they start streaming.</summary>
    public bool IsFull(out TimeSpan retryAfter)
    {
        lock (_gate)
        {
            retryAfter = RetryAfter();
            return _queue.Count >= _options.QueueSize + Math.Max(0, _options.MaxConcurrentSequences - _activeCount);
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

    /// <summary>The progress of a live request, or null when it is not (any more) in the scheduler.</summary>
    public GenerationProgress? GetProgress(Guid id) => _live.TryGetValue(id, out var g) ? g.Progress : null;

    /// <summary>The figures now: queue, active sequences, KV cache, recent speed and latencies, totals.</summary>
    public SchedulerSnapshot Snapshot()
    {
        int queued;
        lock (_gate)
            queued = _queue.Count;
        return _metrics.Complete(new SchedulerSnapshot
        {
            QueueLength = queued,
            QueueSize = _options.QueueSize,
            ActiveSequences = _activeCount,
            MaxConcurrentSequences = _options.MaxConcurrentSequences,
            KvCacheInUseBytes = Interlocked.Read(ref _kvInUseBytes),
            KvCacheAllocatedBytes = Interlocked.Read(ref _kvAllocatedBytes),
            KvCacheBudgetBytes = _kv.BudgetBytes,
        });
    }

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

    private void Stop(Generation? generation, bool timedOut)
    {
        generation?.RequestStop(timedOut);
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

    private void Loop()
    {
        while (true)
        {
            lock (_gate)
            {
                // with nothing running, whatever is queued can start (the KV budget holds any one request)
                while (!_stopping && !_wakePending && _active.Count == 0 && _queue.Count == 0)
                    Monitor.Wait(_gate);
                _wakePending = false;
                if (_stopping)
                    break;
            }
            try
            {
                StepOnce();
            }
            catch (Exception e)
            {
                // a fault of the scheduler itself: fail what is running rather than lose the loop
                SchedulerLog.LoopFailed(_logger, e);
                foreach (var generation in _active.ToArray())
                    Finish(generation, FinishReason.Failed, new GenerationFailedException("The server failed while generating this answer: " + e.Message, e));
            }
        }

        var shutdown = new GenerationFailedException("The server is shutting down.");
        foreach (var generation in _active.ToArray())
            Finish(generation, FinishReason.Failed, shutdown);
        lock (_gate)
        {
            _ended.AddRange(_queue);
            _queue.Clear();
        }
        foreach (var generation in _ended)
            Finish(generation, FinishReason.Failed, shutdown);
    }

    /// <summary>One engine step: end stopped requests, admit queued ones, then one forward pass for every active request.</summary>
    private void StepOnce()
    {
        // 1. end what its owner cancelled or what ran out of time
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            var g = _active[i];
            if (g.CancelRequested || g.TimedOut)
                Finish(g, g.TimedOut ? FinishReason.TimedOut : FinishReason.Cancelled, g.TimedOut ? new GenerationTimedOutException(RequestTimeout) : null);
        }

        // 2. admit queued requests, first come first served
        Admit();
        if (_active.Count == 0)
            return;

        // 3. one row per decoding request (its last token), then prompt chunks, oldest first
        _participants.Clear();
        var rowCount = 0;
        var logitRows = 0;
        foreach (var g in _active)
        {
            if (g.State != GenerationState.Decode)
                continue;
            _participants.Add(new Participant(g, rowCount, 1, logitRows++, g.Sequence!.Length));
            _rows[rowCount++] = new BatchToken(g.Sequence, g.LastToken, WantLogits: true);
        }
        var budget = _options.PromptChunkTokens;
        foreach (var g in _active)
        {
            if (g.State != GenerationState.Prompt || budget == 0)
                continue;
            var prompt = g.Request.PromptTokens;
            var count = Math.Min(budget, prompt.Length - g.PromptDone);
            var last = g.PromptDone + count == prompt.Length;
            _participants.Add(new Participant(g, rowCount, count, last ? logitRows++ : -1, g.Sequence!.Length));
            for (var k = 0; k < count; k++)
                _rows[rowCount++] = new BatchToken(g.Sequence, prompt[g.PromptDone + k], WantLogits: last && k == count - 1);
            budget -= count;
        }

        // 4. the forward pass: one for all; if it fails, each request alone, to fail only the one at fault
        try
        {
            _engine.Forward(_rows.AsSpan(0, rowCount), _logits);
        }
        catch (Exception e)
        {
            Isolate(e);
        }

        // 5. sample, stream, end what is done
        var now = _time.GetTimestamp();
        var produced = 0;
        foreach (var p in _participants)
        {
            var g = p.Generation;
            if (p.Error is not null)
            {
                SchedulerLog.EngineFailed(_logger, g.Id, p.Error);
                Finish(g, FinishReason.Failed, new GenerationFailedException("The model failed while generating this answer: " + p.Error.Message, p.Error));
                continue;
            }
            if (g.State == GenerationState.Prompt)
            {
                g.PromptDone += p.RowCount;
                if (p.LogitRow < 0)
                {
                    g.Publish(ProgressOf(g));
                    continue;
                }
                g.State = GenerationState.Decode;
            }
            produced += Next(g, _logits.AsSpan(p.LogitRow * _vocab, _vocab), now) ? 1 : 0;
        }
        _metrics.Generated(produced);
    }

    /// <summary>Samples the next token of <paramref name="g"/> and streams it, or ends the generation; true when a token was streamed.</summary>
    private bool Next(Generation g, ReadOnlySpan<float> logits, long now)
    {
        var promptLength = g.Request.PromptTokens.Length;
        int token;
        try
        {
            token = g.Sampler!.Sample(logits, g.History.AsSpan(0, promptLength + g.Generated));
        }
        catch (Exception e)
        {
            Finish(g, FinishReason.Failed, new GenerationFailedException("Sampling the next token failed: " + e.Message, e));
            return false;
        }
        if (g.Request.StopTokens.Contains(token))
        {
            Finish(g, FinishReason.Stop, null);
            return false;
        }

        g.History[promptLength + g.Generated] = token;
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
        g.Publish(ProgressOf(g), token);

        if (g.Generated >= g.Request.MaxNewTokens || g.Sequence!.Length + 1 > g.Sequence.Capacity)
            Finish(g, FinishReason.Length, null);
        return true;
    }

    /// <summary>After a failed step: restores every participant's cache length, then runs each alone and marks the ones that fail.</summary>
    private void Isolate(Exception error)
    {
        foreach (var p in _participants)
            p.Generation.Sequence!.Truncate(p.LengthBefore);
        if (_participants.Count == 1)
        {
            _participants[0] = _participants[0] with { Error = error };
            return;
        }
        for (var i = 0; i < _participants.Count; i++)
        {
            var p = _participants[i];
            try
            {
                _engine.Forward(_rows.AsSpan(p.RowStart, p.RowCount), _logits.AsSpan(Math.Max(0, p.LogitRow) * _vocab));
            }
            catch (Exception e)
            {
                p.Generation.Sequence!.Truncate(p.LengthBefore);
                _participants[i] = p with { Error = e };
            }
        }
    }

    private void Admit()
    {
        var started = false;
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

            for (var i = 0; i < _queue.Count && _active.Count < _options.MaxConcurrentSequences;)
            {
                var g = _queue[i];
                if (_activeByOwner.GetValueOrDefault(g.Owner) >= _options.MaxActivePerOwner)
                {
                    i++; // waits behind its owner's running generation; later requests may go first
                    continue;
                }
                var tokens = Math.Min(ContextLength, g.Request.PromptTokens.Length + g.Request.MaxNewTokens);
                if (!_kv.TryRent(tokens, out var sequence))
                    break; // not enough KV cache memory until something finishes; nobody overtakes
                _queue.RemoveAt(i);
                Start(g, sequence);
                started = true;
            }

            var now = _time.GetTimestamp();
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
            _activeCount = _active.Count;
        }
        if (started) // the pool changes only here (rent) and in Finish (return), which publishes its own
        {
            Interlocked.Exchange(ref _kvAllocatedBytes, _kv.AllocatedBytes);
            Interlocked.Exchange(ref _kvInUseBytes, _kv.InUseBytes);
        }

        foreach (var g in _ended)
            Finish(g, g.TimedOut ? FinishReason.TimedOut : FinishReason.Cancelled, g.TimedOut ? new GenerationTimedOutException(RequestTimeout) : null);
        _ended.Clear();
    }

    private void Start(Generation g, Sequence sequence)
    {
        var prompt = g.Request.PromptTokens;
        g.Sequence = sequence;
        g.Sampler = new Sampler(g.Request.Sampling, _vocab);
        g.History = new int[prompt.Length + g.Request.MaxNewTokens];
        prompt.CopyTo(g.History, 0);
        g.State = GenerationState.Prompt;
        g.StartedAt = _time.GetTimestamp();
        g.QueuePosition = 0;
        _active.Add(g);
        _activeByOwner[g.Owner] = _activeByOwner.GetValueOrDefault(g.Owner) + 1;
        g.Publish(ProgressOf(g));
    }

    private void Finish(Generation g, FinishReason reason, Exception? error)
    {
        var now = _time.GetTimestamp();
        if (_active.Remove(g))
        {
            _kv.Return(g.Sequence!);
            g.Sequence = null;
            g.Sampler = null;
            if (--_activeByOwner[g.Owner] == 0)
                _activeByOwner.Remove(g.Owner);
            _activeCount = _active.Count;
            Interlocked.Exchange(ref _kvInUseBytes, _kv.InUseBytes);
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

    private GenerationProgress ProgressOf(Generation g)
    {
        var tokensPerSecond = 0.0;
        if (g.Generated > 1)
        {
            var seconds = _time.GetElapsedTime(g.FirstTokenAt, g.LastTokenAt).TotalSeconds;
            tokensPerSecond = seconds > 0 ? (g.Generated - 1) / seconds : 0;
        }
        return new GenerationProgress(g.State, g.QueuePosition, null, g.PromptDone, g.Request.PromptTokens.Length, g.Generated, tokensPerSecond);
    }

    /// <summary>The loop runs from construction; as a hosted service the scheduler is built (and its settings checked) at start-up.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends every queued and running request ("the server is shutting down") and stops the loop.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Stops the loop: every queued and running request ends.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        if (Thread.CurrentThread != _thread)
            _thread.Join();
        _metrics.Dispose();
    }

    /// <summary>A request's part of the current step: its rows, where its logits go, and its cache length before.</summary>
    private readonly record struct Participant(Generation Generation, int RowStart, int RowCount, int LogitRow, int LengthBefore, Exception? Error = null);
}
