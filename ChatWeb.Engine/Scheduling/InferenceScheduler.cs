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
/// <para>Conversations: the KV cache of an owner's last generation (prompt and answer) is kept after it ends, within
/// <see cref="InferenceOptions.KvCacheBudgetMb"/> (least recently used dropped first, <see cref="KvCachePool"/>). The
/// owner's next request whose prompt starts with those tokens (the next turn of the same conversation) starts
/// with them in its cache and reads only the rest; the answer is the one reading it all gives (as exactly as batching
/// itself allows: on Q8_0/Q4_0 weights one row and a batch of rows round activations differently, see WeightMatrix).</para>
/// <para>Who touches what:</para>
/// <list type="bullet">
/// <item>Submitters (circuits, API requests) call <see cref="Submit"/>, which checks the request and appends it to
/// the queue (<see cref="SchedulerFront"/>, shared with the other backends' schedulers); they read answers from
/// <see cref="Generation.ReadAllAsync"/> and progress from <see cref="Generation.Progress"/>.</item>
/// <item>Cancellation callbacks, timeout timers and <see cref="TryCancel"/> only set the generation's stop flag and
/// wake the loop: the loop ends it within one step.</item>
/// <item>The loop thread alone calls the engine and touches the active list, sequences, samplers, the KV cache pool and
/// the loop-only fields of <see cref="Generation"/>; the front's lock is taken only to move requests out of the queue.</item>
/// </list>
/// </remarks>
public sealed class InferenceScheduler : IGenerationScheduler, IHostedService
{
    private readonly IStepEngine _engine;
    private readonly InferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SchedulerMetrics _metrics;
    private readonly SchedulerFront _front;
    private readonly KvCachePool _kv;
    private readonly int _vocab;
    private readonly Thread _thread;

    // loop thread only
    private readonly List<Generation> _active = [];
    private readonly List<Participant> _participants = [];
    private readonly List<KvCachePool.Rental> _copies = []; // admitted this step with a kept prefix to copy into a larger cache
    private readonly BatchToken[] _rows;
    private readonly float[] _logits;  // [MaxConcurrentSequences, vocab]

    // written by the loop, read by anyone
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
        var contextLength = Math.Min(options.ContextLength, engine.Config.ContextLength);

        var rowsNeeded = options.MaxConcurrentSequences + options.PromptChunkTokens;
        _kv = new KvCachePool(engine, options.KvCacheBudgetMb * 1024L * 1024, contextLength);
        var oneConversation = _kv.Bytes(_kv.CapacityFor(contextLength));
        if (oneConversation > _kv.BudgetBytes)
            throw new InvalidOperationException(
                $"{InferenceOptions.Section}:KvCacheBudgetMb = {options.KvCacheBudgetMb} cannot hold one conversation of {contextLength} tokens " +
                $"with this model ({(oneConversation + (1 << 20) - 1) >> 20} MB); raise it or lower {InferenceOptions.Section}:ContextLength.");

        _rows = new BatchToken[rowsNeeded];
        _logits = new float[options.MaxConcurrentSequences * _vocab];
        _metrics = new SchedulerMetrics(meterFactory, _time, Snapshot);
        _front = new SchedulerFront(options, _time, _metrics, _vocab, contextLength);
        _thread = new Thread(Loop) { IsBackground = true, Name = "ChatWeb scheduler" };
        _thread.Start();
    }

    /// <summary>Engine options that fit these scheduler options: a step of every decode row and a prompt chunk is one pass over the weights.</summary>
    public static EngineOptions EngineOptionsFor(InferenceOptions options) =>
        new() { Threads = options.Threads, MaxBatch = options.MaxConcurrentSequences + options.PromptChunkTokens };

    /// <summary>The meter whose instruments the scheduler records (<c>chatweb.inference.*</c>): queue, sequences, KV cache, speed, latencies.</summary>
    public const string MeterName = SchedulerMetrics.MeterName;

    /// <summary>Most tokens one generation holds: the configured context length capped by the model's.</summary>
    public int ContextLength => _front.ContextLength;

    /// <summary>Longest prompt accepted, in tokens.</summary>
    public int MaxPromptTokens => _front.MaxPromptTokens;

    /// <summary>Wall-clock limit of one request, queueing included.</summary>
    public TimeSpan RequestTimeout => _front.RequestTimeout;

    internal ModelConfig ModelConfig => _engine.Config;

    /// <summary>
    /// Queues a request and returns its handle at once. Throws <see cref="ServerBusyException"/> when the
    /// queue is full, <see cref="PromptTooLongException"/> for a prompt over the limit, and
    /// <see cref="ArgumentException"/> for a malformed request. <paramref name="cancellationToken"/> is the
    /// owner's: cancelling it ends the request within one engine step.
    /// </summary>
    public Generation Submit(GenerationRequest request, CancellationToken cancellationToken = default) =>
        _front.Submit(request, cancellationToken);

    /// <summary>True when a request submitted now would be refused as busy: for APIs that must answer 429 before they start streaming.</summary>
    public bool IsFull(out TimeSpan retryAfter) => _front.IsFull(out retryAfter);

    /// <summary>Cancels a request if <paramref name="owner"/> owns it; false when it does not exist (any more) or is someone else's.</summary>
    public bool TryCancel(Guid id, string owner) => _front.TryCancel(id, owner);

    /// <summary>The progress of a live request, or null when it is not (any more) in the scheduler.</summary>
    public GenerationProgress? GetProgress(Guid id) => _front.GetProgress(id);

    /// <summary>The scheduler's figures now.</summary>
    public SchedulerSnapshot Snapshot() => _metrics.Complete(new SchedulerSnapshot
    {
        QueueLength = _front.QueueLength,
        QueueSize = _options.QueueSize,
        ActiveSequences = _front.ActiveCount,
        MaxConcurrentSequences = _options.MaxConcurrentSequences,
        KvCacheInUseBytes = Interlocked.Read(ref _kvInUseBytes),
        KvCacheAllocatedBytes = Interlocked.Read(ref _kvAllocatedBytes),
        KvCacheBudgetBytes = _kv.BudgetBytes,
    });

    private void Loop()
    {
        while (_front.WaitForWork(busy: _active.Count > 0))
        {
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
        foreach (var generation in _front.TakeQueued())
            Finish(generation, FinishReason.Failed, shutdown);
    }

    /// <summary>One engine step: end stopped requests, admit queued ones, then one forward pass for every active request.</summary>
    private void StepOnce()
    {
        // 1. end what its owner cancelled or what ran out of time
        for (var i = _active.Count - 1; i >= 0; i--)
        {
            if (_front.StopReason(_active[i]) is { } stop)
                Finish(_active[i], stop.Reason, stop.Error);
        }

        // 2. admit queued requests, first come first served, while KV cache memory lasts
        var started = false;
        _front.Admit(g =>
        {
            var tokens = Math.Min(ContextLength, g.Request.PromptTokens.Length + g.Request.MaxNewTokens);
            if (!_kv.TryRent(g.Owner, g.Request.PromptTokens, tokens, out var rental))
                return false;
            Start(g, rental);
            return started = true;
        });
        if (started) // the pool changes only here (rent) and in Finish (return), which publishes its own
        {
            foreach (var copy in _copies)
            {
                copy.Sequence.CopyFrom(copy.CopyFrom!, copy.ReusedTokens);
                _kv.Release(copy.CopyFrom!);
            }
            _copies.Clear();
            Interlocked.Exchange(ref _kvAllocatedBytes, _kv.AllocatedBytes);
            Interlocked.Exchange(ref _kvInUseBytes, _kv.InUseBytes);
        }
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
                    g.Publish(_front.ProgressOf(g));
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
            token = g.Sampler!.Sample(logits, g.History.AsSpan(0, promptLength + g.Generated), g.Request.Constraint);
            if (token < 0)
            {
                Finish(g, FinishReason.Failed, new GenerationFailedException("The output constraint allows no token here (the model's vocabulary cannot continue it)."));
                return false;
            }
            g.Request.Constraint?.Accept(token);
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
        _front.Streamed(g, token, now, g.Request.Logprobs is { } top ? StepLogprobs.From(logits, token, top) : null);
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

    /// <summary>Gives an admitted request its KV cache (with the prompt's first tokens in it when its owner's kept
    /// conversation had them), sampler and token history (under the front's lock: no computing here).</summary>
    private void Start(Generation g, KvCachePool.Rental rental)
    {
        var prompt = g.Request.PromptTokens;
        g.Sequence = rental.Sequence;
        g.PromptDone = g.PromptReused = rental.ReusedTokens;
        if (rental.CopyFrom is not null)
            _copies.Add(rental);
        _metrics.PromptTokensReused(rental.ReusedTokens);
        g.Sampler = new Sampler(g.Request.Sampling, _vocab);
        g.History = new int[prompt.Length + g.Request.MaxNewTokens];
        prompt.CopyTo(g.History, 0);
        _active.Add(g);
    }

    private void Finish(Generation g, FinishReason reason, Exception? error)
    {
        if (_active.Remove(g))
        {
            // kept for the owner's next turn, unless the engine failed on it
            if (reason == FinishReason.Failed)
                _kv.Return(g.Sequence!);
            else
                _kv.Return(g.Sequence!, g.Owner, g.History.AsSpan(0, g.Sequence!.Length));
            g.Sequence = null;
            g.Sampler = null;
            Interlocked.Exchange(ref _kvInUseBytes, _kv.InUseBytes);
        }
        _front.Finish(g, reason, error);
    }

    /// <summary>The loop runs from construction; as a hosted service the scheduler is built (and its settings checked) at start-up.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Ends every queued and running request ("the server is shutting down") and stops the loop.</summary>
    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Ends every request and stops the loop thread.</summary>
    public void Dispose()
    {
        _front.Stop();
        if (Thread.CurrentThread != _thread)
            _thread.Join();
        _metrics.Dispose();
    }

    /// <summary>A request's part of the current step: its rows, where its logits go, and its cache length before.</summary>
    private readonly record struct Participant(Generation Generation, int RowStart, int RowCount, int LogitRow, int LengthBefore, Exception? Error = null);
}
