using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Engine.Remote;

/// <summary>
/// The one owner of a remote model: the same front as the local engines (<see cref="SchedulerFront"/>: bounded
/// queue, slots = requests sent at once, one generation per owner, queue places, Retry-After, cancellation,
/// timeouts, metrics) in front of the model's endpoints, with failover and a circuit breaker per endpoint.
/// </summary>
/// <remarks>
/// <para>A request's states:</para>
/// <code>
///   Queued ──admitted──► Prompt (sent; waiting for the first piece) ──first piece──► Decode ──the stream ends──► Finished
///     │                      │ an endpoint refuses, fails or sends nothing within FirstTokenTimeout:
///     │                      │   the next endpoint whose circuit lets it through is tried; none left → Finished (failed)
///     └──── cancelled by its owner or timed out (the HTTP request is aborted) ─────────────────────────────► Cancelled / Finished
/// </code>
/// <para>Who touches what: submitters go through the front. Each admitted request streams on a task of its own
/// (<see cref="SendAsync"/>), which only posts events and wakes the loop. The loop thread alone admits, ends,
/// counts and publishes (the front's loop-only methods), so pieces reach the caller in order: a piece is put in
/// the request's <see cref="RemoteCall.Pieces"/> before the front publishes it as a token.</para>
/// </remarks>
internal sealed class RemoteScheduler : IGenerationScheduler
{
    private const int PromptCharactersPerToken = 4; // the front counts prompt tokens; a remote model's are unknown here

    private readonly RemoteModelSettings _settings;
    private readonly EndpointCircuit[] _circuits;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SchedulerMetrics _metrics;
    private readonly SchedulerFront _front;
    private readonly Thread _thread;
    private readonly ConcurrentDictionary<Guid, RemoteCall> _calls = new();
    private readonly ConcurrentQueue<(RemoteCall Call, ChatResponseUpdate? Piece, Exception? Error, bool Ended)> _events = new();
    private readonly List<RemoteCall> _running = []; // loop thread only
    private readonly ITimer? _probeTimer;
    private int _next; // round robin over endpoints

    public RemoteScheduler(RemoteModelSettings settings, IReadOnlyList<RemoteEndpoint> endpoints, TimeProvider? time = null,
        IMeterFactory? meterFactory = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfZero(endpoints.Count);
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _circuits = endpoints.Select(e => new EndpointCircuit(e, settings, _time)).ToArray();
        _metrics = new SchedulerMetrics(meterFactory, _time, Snapshot, settings.Name);
        _front = new SchedulerFront(settings.Limits, _time, _metrics, vocabularySize: 1, settings.Limits.ContextLength);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"ChatWeb remote scheduler ({settings.Name})" };
        _thread.Start();
        if (settings.HealthCheckInterval > TimeSpan.Zero)
            _probeTimer = _time.CreateTimer(_ => _ = ProbeAllAsync(), null, TimeSpan.Zero, settings.HealthCheckInterval);
    }

    public int ContextLength => _front.ContextLength;

    /// <summary>Not for remote models: they take messages (<see cref="Submit(IList{ChatMessage}, ChatOptions, string, CancellationToken)"/>).</summary>
    public Generation Submit(GenerationRequest request, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("A remote model takes chat messages, not token ids.");

    /// <summary>Queues a chat request; throws <see cref="ServerBusyException"/> when the queue is full.</summary>
    public RemoteCall Submit(IList<ChatMessage> messages, ChatOptions options, string owner, CancellationToken cancellationToken)
    {
        var characters = messages.Sum(m => m.Text.Length);
        var request = new GenerationRequest
        {
            // The front sees an estimate of the prompt's length (it checks MaxPromptTokens); the words go with the call.
            PromptTokens = new int[Math.Max(1, characters / PromptCharactersPerToken)],
            Owner = owner,
            MaxNewTokens = options.MaxOutputTokens is > 0 and var max ? max : int.MaxValue,
        };
        var generation = _front.Submit(request, cancellationToken);
        var call = new RemoteCall(generation, messages, options);
        _calls[generation.Id] = call;
        _front.Wake(); // the loop admits only registered calls
        return call;
    }

    public bool TryCancel(Guid id, string owner) => _front.TryCancel(id, owner);

    public bool IsFull(out TimeSpan retryAfter) => _front.IsFull(out retryAfter);

    public SchedulerSnapshot Snapshot() => _metrics.Complete(new SchedulerSnapshot
    {
        QueueLength = _front.QueueLength,
        QueueSize = _settings.Limits.QueueSize,
        ActiveSequences = _front.ActiveCount,
        MaxConcurrentSequences = _settings.Limits.MaxConcurrentSequences,
    });

    public IReadOnlyList<EndpointStatus> Endpoints() => _circuits.Select(c => c.Status()).ToArray();

    /// <summary>Probes every endpoint that is due (see <see cref="EndpointCircuit.ProbeDue"/>) once, now.</summary>
    public async Task ProbeAllAsync()
    {
        await Task.WhenAll(_circuits.Where(c => c.ProbeDue()).Select(async circuit =>
        {
            using var timeout = new CancellationTokenSource(_settings.FirstTokenTimeout, _time);
            try
            {
                await circuit.Endpoint.Probe(timeout.Token);
                circuit.Succeeded();
            }
            catch (Exception e)
            {
                circuit.Failed(Describe(e, timeout.IsCancellationRequested));
            }
        }));
    }

    private void Loop()
    {
        while (_front.WaitForWork(busy: !_events.IsEmpty))
        {
            try
            {
                Round();
            }
            catch (Exception e)
            {
                SchedulerLog.LoopFailed(_logger, e);
                foreach (var call in _running.ToArray())
                    End(call, FinishReason.Failed, new GenerationFailedException("The server failed while relaying this answer: " + e.Message, e));
            }
        }

        var shutdown = new GenerationFailedException("The server is shutting down.");
        foreach (var call in _running.ToArray())
            End(call, FinishReason.Failed, shutdown);
        foreach (var generation in _front.TakeQueued())
            _front.Finish(generation, FinishReason.Failed, shutdown);
    }

    /// <summary>One round: end stopped requests (aborting their HTTP requests), start admitted ones, relay what arrived.</summary>
    private void Round()
    {
        foreach (var call in _running.ToArray())
        {
            if (_front.StopReason(call.Generation) is { } stop)
                End(call, stop.Reason, stop.Error);
        }

        var admitted = new List<RemoteCall>();
        _front.Admit(g =>
        {
            if (!_calls.TryGetValue(g.Id, out var call))
                return false; // Submit has not registered it yet; it wakes the loop when it has
            admitted.Add(call);
            return true;
        });
        foreach (var call in admitted)
        {
            _running.Add(call);
            _ = Task.Run(() => SendAsync(call));
        }

        while (_events.TryDequeue(out var e))
        {
            var g = e.Call.Generation;
            if (!e.Call.Running)
                continue; // ended already (stopped, timed out): what was still on its way is dropped
            if (e.Piece is { } piece)
            {
                e.Call.Pieces.Enqueue(piece);
                if (piece.Contents.Any(c => c is TextContent { Text.Length: > 0 } or TextReasoningContent { Text.Length: > 0 }))
                {
                    g.State = GenerationState.Decode;
                    _metrics.Generated(1); // counted before the reader can see it (and its end), so the count never lags the answer
                    _front.Streamed(g, 0, _time.GetTimestamp());
                }
                else if (piece.FinishReason == ChatFinishReason.Length)
                {
                    e.Call.FinishedByLength = true;
                }
            }
            else if (e.Ended)
            {
                End(e.Call, e.Call.FinishedByLength ? FinishReason.Length : FinishReason.Stop, null);
            }
            else
            {
                End(e.Call, FinishReason.Failed, e.Error);
            }
        }
    }

    private void End(RemoteCall call, FinishReason reason, Exception? error)
    {
        call.Running = false;
        _running.Remove(call);
        call.Abort(); // aborts its HTTP request if it still runs
        _calls.TryRemove(call.Generation.Id, out _);
        _front.Finish(call.Generation, reason, error);
    }

    /// <summary>
    /// Streams one request from the first endpoint that starts an answer: endpoints are tried in turn (round robin
    /// start) while they refuse, fail or stay silent past <see cref="RemoteModelSettings.FirstTokenTimeout"/>; once a
    /// piece has arrived, a failure ends the request. Only posts events; the loop does the rest.
    /// </summary>
    private async Task SendAsync(RemoteCall call)
    {
        var failures = new List<string>();
        var start = (int)((uint)(Interlocked.Increment(ref _next) - 1) % (uint)_circuits.Length); // the first request starts at the first endpoint
        var token = call.Token;
        for (var i = 0; i < _circuits.Length; i++)
        {
            var circuit = _circuits[(start + i) % _circuits.Length];
            if (!circuit.TryAcquire())
            {
                failures.Add($"{circuit.Endpoint.Address}: resting after failures ({circuit.Status().LastError})");
                continue;
            }
            var answered = false;
            using var firstToken = new CancellationTokenSource(_settings.FirstTokenTimeout, _time);
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(token, firstToken.Token);
            try
            {
                await foreach (var update in circuit.Endpoint.Client.GetStreamingResponseAsync(call.Messages, call.Options, attempt.Token))
                {
                    if (!answered && update.Contents.Any(c => c is TextContent { Text.Length: > 0 } or TextReasoningContent { Text.Length: > 0 }))
                    {
                        answered = true;
                        firstToken.CancelAfter(Timeout.InfiniteTimeSpan);
                        circuit.Succeeded();
                    }
                    Post(call, update, null, ended: false);
                }
                if (!answered)
                    circuit.Succeeded(); // an empty answer is an answer
                Post(call, null, null, ended: true);
                return;
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                if (!answered)
                    circuit.Released();
                return; // the loop has ended it already
            }
            catch (Exception e) when (!answered)
            {
                var reason = Describe(e, firstToken.IsCancellationRequested);
                circuit.Failed(reason);
                failures.Add($"{circuit.Endpoint.Address}: {reason}");
                RemoteLog.EndpointFailed(_logger, _settings.Name, circuit.Endpoint.Address, reason, e);
            }
            catch (Exception e)
            {
                circuit.Failed(Describe(e, timedOut: false));
                RemoteLog.EndpointFailed(_logger, _settings.Name, circuit.Endpoint.Address, e.Message, e);
                Post(call, null, new GenerationFailedException($"The model '{_settings.Name}' stopped answering mid-way ({circuit.Endpoint.Address}: {e.Message}).", e), ended: false);
                return;
            }
        }
        Post(call, null, new RemoteModelUnavailableException(_settings.Name, failures), ended: false);
    }

    private void Post(RemoteCall call, ChatResponseUpdate? piece, Exception? error, bool ended)
    {
        _events.Enqueue((call, piece, error, ended));
        _front.Wake();
    }

    private string Describe(Exception e, bool timedOut) =>
        timedOut ? $"no answer within {_settings.FirstTokenTimeout.TotalSeconds:0.#} s"
        : e is HttpRequestException { InnerException: { } inner } ? inner.Message
        : e.Message;

    public void Dispose()
    {
        _probeTimer?.Dispose();
        _front.Stop();
        _thread.Join();
        _metrics.Dispose();
    }
}

/// <summary>One request to a remote model: the front's handle, the messages and options it sends, and the pieces relayed to its caller.</summary>
internal sealed class RemoteCall(Generation generation, IList<ChatMessage> messages, ChatOptions options)
{
    private readonly CancellationTokenSource _abort = new();

    public Generation Generation { get; } = generation;
    public IList<ChatMessage> Messages { get; } = messages;
    public ChatOptions Options { get; } = options;

    /// <summary>Pieces in arrival order; the loop adds one before the front publishes it, the caller takes them when it sees it.</summary>
    public ConcurrentQueue<ChatResponseUpdate> Pieces { get; } = new();

    /// <summary>Cancelled when the request ends for any reason: aborts its HTTP request.</summary>
    public CancellationToken Token => _abort.Token;

    // loop thread only
    public bool Running { get; set; } = true;
    public bool FinishedByLength { get; set; }

    public void Abort() => _abort.Cancel();
}
