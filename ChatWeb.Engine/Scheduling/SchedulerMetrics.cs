using System.Diagnostics.Metrics;

namespace ChatWeb.Engine.Scheduling;

/// <summary>
/// The scheduler's measurements: System.Diagnostics.Metrics instruments on the meter
/// <c>ChatWeb.Inference</c> (watch with <c>dotnet-counters monitor -n ChatWeb --counters ChatWeb.Inference</c>)
/// and a recent-window summary for the admin page (<see cref="SchedulerSnapshot"/>). A remote model's scheduler
/// tags every measurement with <c>model</c> (its name), so several remote models and the local one can be told apart.
/// </summary>
internal sealed class SchedulerMetrics : IDisposable
{
    public const string MeterName = "ChatWeb.Inference";
    private const int Samples = 512;                      // latencies kept for the percentiles
    private static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(10);

    private readonly Meter _meter;
    private readonly TimeProvider _time;
    private readonly Histogram<double> _timeToFirstToken;
    private readonly Histogram<double> _interTokenLatency;
    private readonly Histogram<double> _sequenceTokensPerSecond;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _promptReused;
    private readonly KeyValuePair<string, object?>[] _tags; // the model's, or none

    private readonly object _gate = new();
    private readonly Queue<double> _ttft = new();
    private readonly Queue<double> _interToken = new();
    private readonly Queue<(long At, int Tokens)> _recentTokens = new();
    private long _totalTokens, _totalRejected, _totalFinished, _totalFailed;

    public SchedulerMetrics(IMeterFactory? meterFactory, TimeProvider time, Func<SchedulerSnapshot> current, string? model = null)
    {
        _time = time;
        _tags = model is null ? [] : [new("model", model)];
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableGauge("chatweb.inference.queue.length", () => new Measurement<int>(current().QueueLength, _tags), "{request}", "Requests waiting for a slot");
        _meter.CreateObservableGauge("chatweb.inference.sequences.active", () => new Measurement<int>(current().ActiveSequences, _tags), "{sequence}", "Generations advanced by each engine step");
        _meter.CreateObservableGauge("chatweb.inference.kv_cache.size", () => new Measurement<long>(current().KvCacheAllocatedBytes, _tags), "By", "Key/value cache memory allocated (in use and idle)");
        _meter.CreateObservableGauge("chatweb.inference.tokens_per_second", () => new Measurement<double>(current().TokensPerSecond, _tags), "{token}/s", "Tokens generated per second over the last 10 s, all requests together");
        _timeToFirstToken = _meter.CreateHistogram<double>("chatweb.inference.time_to_first_token", "s", "From submission to the first generated token");
        _interTokenLatency = _meter.CreateHistogram<double>("chatweb.inference.inter_token_latency", "s", "Between two tokens of one generation");
        _sequenceTokensPerSecond = _meter.CreateHistogram<double>("chatweb.inference.sequence.tokens_per_second", "{token}/s", "One finished generation's speed after its first token");
        _tokens = _meter.CreateCounter<long>("chatweb.inference.tokens.generated", "{token}", "Tokens generated");
        _rejected = _meter.CreateCounter<long>("chatweb.inference.requests.rejected", "{request}", "Requests refused (queue full, prompt too long)");
        _finished = _meter.CreateCounter<long>("chatweb.inference.requests.finished", "{request}", "Requests ended, by reason");
        _promptReused = _meter.CreateCounter<long>("chatweb.inference.prompt_tokens.reused", "{token}",
            "Prompt tokens found in the owner's kept conversation (KV cache) and not read again");
    }

    public void TimeToFirstToken(TimeSpan value)
    {
        _timeToFirstToken.Record(value.TotalSeconds, _tags);
        lock (_gate)
            Keep(_ttft, value.TotalSeconds);
    }

    public void InterToken(TimeSpan value)
    {
        _interTokenLatency.Record(value.TotalSeconds, _tags);
        lock (_gate)
            Keep(_interToken, value.TotalSeconds);
    }

    /// <summary>Tokens produced by one engine step.</summary>
    public void Generated(int tokens)
    {
        if (tokens == 0)
            return;
        _tokens.Add(tokens, _tags);
        lock (_gate)
        {
            _totalTokens += tokens;
            var now = _time.GetTimestamp();
            DropOlderThanWindow(now); // here too: with nobody taking snapshots, the queue would grow by one entry a step
            _recentTokens.Enqueue((now, tokens));
        }
    }

    /// <summary>A request started with <paramref name="tokens"/> of its prompt already in its KV cache.</summary>
    public void PromptTokensReused(int tokens)
    {
        if (tokens > 0)
            _promptReused.Add(tokens, _tags);
    }

    public void Rejected(string reason)
    {
        _rejected.Add(1, [.. _tags, new("reason", reason)]);
        lock (_gate)
            _totalRejected++;
    }

    public void Finished(FinishReason reason, int tokens, TimeSpan sinceFirstToken)
    {
        _finished.Add(1, [.. _tags, new("reason", reason.ToString().ToLowerInvariant())]);
        if (tokens > 1 && sinceFirstToken > TimeSpan.Zero)
            _sequenceTokensPerSecond.Record((tokens - 1) / sinceFirstToken.TotalSeconds, _tags);
        lock (_gate)
        {
            _totalFinished++;
            _totalFailed += reason == FinishReason.Failed ? 1 : 0;
        }
    }

    /// <summary>Fills in the totals and recent-window figures of a snapshot of the scheduler's state.</summary>
    public SchedulerSnapshot Complete(SchedulerSnapshot state)
    {
        lock (_gate)
        {
            DropOlderThanWindow(_time.GetTimestamp());
            return state with
            {
                TokensPerSecond = _recentTokens.Sum(t => t.Tokens) / RateWindow.TotalSeconds,
                TotalTokens = _totalTokens,
                TotalRejected = _totalRejected,
                TotalFinished = _totalFinished,
                TotalFailed = _totalFailed,
                TimeToFirstTokenP50 = Percentile(_ttft, 0.50),
                TimeToFirstTokenP95 = Percentile(_ttft, 0.95),
                InterTokenP50 = Percentile(_interToken, 0.50),
                InterTokenP95 = Percentile(_interToken, 0.95),
            };
        }
    }

    /// <summary>Drops the token counts older than the rate window (under the lock).</summary>
    private void DropOlderThanWindow(long now)
    {
        while (_recentTokens.TryPeek(out var oldest) && _time.GetElapsedTime(oldest.At, now) > RateWindow)
            _recentTokens.Dequeue();
    }

    private static void Keep(Queue<double> samples, double value)
    {
        if (samples.Count == Samples)
            samples.Dequeue();
        samples.Enqueue(value);
    }

    private static TimeSpan? Percentile(Queue<double> samples, double p)
    {
        if (samples.Count == 0)
            return null;
        var sorted = samples.Order().ToArray();
        return TimeSpan.FromSeconds(sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)]);
    }

    public void Dispose() => _meter.Dispose();
}
