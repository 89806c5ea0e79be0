using System.Diagnostics.Metrics;
using ChatWeb.Engine.Sampling;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntimeGenAI;
using OgaModel = Microsoft.ML.OnnxRuntimeGenAI.Model;

namespace ChatWeb.Engine.Onnx;

/// <summary>
/// The one owner of an ONNX Runtime GenAI model: the same front as ChatWeb's own engine
/// (<see cref="SchedulerFront"/>: bounded queue, slots, one generation per owner, progress, cancellation,
/// timeouts, metrics), in front of one ONNX Runtime <see cref="Generator"/> per running request.
/// </summary>
/// <remarks>
/// <para>A request's states:</para>
/// <code>
///   Queued ──admitted──► Prompt ──its generator read the prompt──► Decode ──stop token / MaxNewTokens / max_length──► Finished
///     └──── cancelled by its owner, timed out, or failed by ONNX Runtime ───────────────────────────────────────────► Cancelled / Finished
/// </code>
/// <para>One loop thread runs rounds: end what was cancelled or timed out (its generator is disposed there and
/// then), admit queued requests into free slots, then give each running request one step: a new request's
/// generator is created and reads the whole prompt, a decoding one generates its next token. So concurrent
/// requests run as concurrent generators, interleaved token by token; a generator that throws fails only its
/// request. ONNX Runtime spreads each step over its own intra-op threads (<c>ChatWeb:Model:Threads</c>).</para>
/// <para>Who touches what: submitters and cancellation callbacks go through the front only; the loop thread
/// alone creates, steps and disposes generators and touches <c>_running</c>.</para>
/// </remarks>
internal sealed class OnnxScheduler : IGenerationScheduler
{
    private readonly OgaModel _model;
    private readonly InferenceOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SchedulerMetrics _metrics;
    private readonly SchedulerFront _front;
    private readonly int _vocab;
    private readonly Thread _thread;
    private readonly List<Running> _running = []; // loop thread only

    public OnnxScheduler(OnnxModel model, InferenceOptions options, TimeProvider? time = null,
        IMeterFactory? meterFactory = null, ILogger<OnnxScheduler>? logger = null)
    {
        _model = model.Model;
        _options = options;
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _vocab = model.Folder.VocabSize;
        var contextLength = Math.Min(options.ContextLength, model.Folder.ContextLength);
        _metrics = new SchedulerMetrics(meterFactory, _time, Snapshot);
        _front = new SchedulerFront(options, _time, _metrics, _vocab, contextLength);
        _thread = new Thread(Loop) { IsBackground = true, Name = "ChatWeb ONNX scheduler" };
        _thread.Start();
    }

    public int ContextLength => _front.ContextLength;

    public Generation Submit(GenerationRequest request, CancellationToken cancellationToken = default)
    {
        // ONNX Runtime GenAI samples inside its generator: ChatWeb sees no logits to mask or report.
        if (request.Constraint is not null)
            throw new UnsupportedRequestException("This model runs on ONNX Runtime GenAI, which cannot constrain its output (response_format, a required tool call); use a GGUF model for that.");
        if (request.Logprobs is not null)
            throw new UnsupportedRequestException("This model runs on ONNX Runtime GenAI, which does not report log-probabilities; use a GGUF model for logprobs.");
        return _front.Submit(request, cancellationToken);
    }

    public bool TryCancel(Guid id, string owner) => _front.TryCancel(id, owner);

    public bool IsFull(out TimeSpan retryAfter) => _front.IsFull(out retryAfter);

    public SchedulerSnapshot Snapshot() => _metrics.Complete(new SchedulerSnapshot
    {
        QueueLength = _front.QueueLength,
        QueueSize = _options.QueueSize,
        ActiveSequences = _front.ActiveCount,
        MaxConcurrentSequences = _options.MaxConcurrentSequences,
    });

    private void Loop()
    {
        while (_front.WaitForWork(busy: _running.Count > 0))
        {
            try
            {
                Round();
            }
            catch (Exception e)
            {
                SchedulerLog.LoopFailed(_logger, e);
                foreach (var running in _running.ToArray())
                    End(running, FinishReason.Failed, new GenerationFailedException("The server failed while generating this answer: " + e.Message, e));
            }
        }

        var shutdown = new GenerationFailedException("The server is shutting down.");
        foreach (var running in _running.ToArray())
            End(running, FinishReason.Failed, shutdown);
        foreach (var generation in _front.TakeQueued())
            _front.Finish(generation, FinishReason.Failed, shutdown);
    }

    /// <summary>One round: end stopped requests, admit queued ones, then one step of every running generator.</summary>
    private void Round()
    {
        foreach (var running in _running.ToArray())
        {
            if (_front.StopReason(running.Generation) is { } stop)
                End(running, stop.Reason, stop.Error);
        }

        _front.Admit(g =>
        {
            _running.Add(new Running(g)); // the generator is made outside the queue's lock, in Step
            return true;
        });

        var produced = 0;
        foreach (var running in _running.ToArray())
        {
            if (_front.StopReason(running.Generation) is { } stop) // Stop ends a request before its next step, not after the round
            {
                End(running, stop.Reason, stop.Error);
                continue;
            }
            produced += Step(running) ? 1 : 0;
        }
        _metrics.Generated(produced);
    }

    /// <summary>One step of one request: read its prompt (a new one), then generate and stream a token; true when a token was streamed.</summary>
    private bool Step(Running running)
    {
        var g = running.Generation;
        int token;
        try
        {
            if (running.Generator is null)
            {
                running.Start(_model, g.Request, ContextLength, _vocab);
                g.PromptDone = g.Request.PromptTokens.Length;
                g.State = GenerationState.Decode;
            }
            running.Generator!.GenerateNextToken();
            token = running.Generator.GetNextTokens()[0];
        }
        catch (Exception e)
        {
            SchedulerLog.EngineFailed(_logger, g.Id, e);
            End(running, FinishReason.Failed, new GenerationFailedException("The model failed while generating this answer: " + e.Message, e));
            return false;
        }
        if (g.Request.StopTokens.Contains(token))
        {
            End(running, FinishReason.Stop, null);
            return false;
        }
        _front.Streamed(g, token, _time.GetTimestamp());
        if (g.Generated >= g.Request.MaxNewTokens || running.Generator.IsDone())
            End(running, FinishReason.Length, null);
        return true;
    }

    /// <summary>Disposes the request's generator at once, then ends it.</summary>
    private void End(Running running, FinishReason reason, Exception? error)
    {
        _running.Remove(running);
        running.Dispose();
        _front.Finish(running.Generation, reason, error);
    }

    public void Dispose()
    {
        _front.Stop();
        if (Thread.CurrentThread != _thread)
            _thread.Join();
        _metrics.Dispose();
    }

    /// <summary>A running request and its ONNX Runtime generator (null until its first step).</summary>
    private sealed class Running(Generation generation) : IDisposable
    {
        private GeneratorParams? _parameters;

        public Generation Generation { get; } = generation;

        public Generator? Generator { get; private set; }

        /// <summary>Makes the generator with the request's search options and feeds it the prompt (the prompt's forward pass).</summary>
        public void Start(OgaModel model, GenerationRequest request, int contextLength, int vocab)
        {
            _parameters = new GeneratorParams(model);
            SetSearchOptions(_parameters, request.Sampling, Math.Min(contextLength, request.PromptTokens.Length + request.MaxNewTokens), vocab);
            Generator = new Generator(model, _parameters);
            Generator.AppendTokens(request.PromptTokens);
        }

        public void Dispose()
        {
            Generator?.Dispose();
            _parameters?.Dispose();
            Generator = null;
            _parameters = null;
        }
    }

    /// <summary>ChatWeb's sampling settings as ONNX Runtime GenAI search options (temperature 0 = greedy; top-k 0 = off).</summary>
    internal static void SetSearchOptions(GeneratorParams parameters, SamplerOptions sampling, int maxLength, int vocab)
    {
        parameters.SetSearchOption("max_length", maxLength);
        parameters.SetSearchOption("min_length", 0);
        parameters.SetSearchOption("num_beams", 1);
        parameters.SetSearchOption("repetition_penalty", sampling.RepetitionPenalty);
        if (sampling.Temperature <= 0)
        {
            parameters.SetSearchOption("do_sample", false);
            return;
        }
        parameters.SetSearchOption("do_sample", true);
        parameters.SetSearchOption("temperature", sampling.Temperature);
        parameters.SetSearchOption("top_p", sampling.TopP);
        parameters.SetSearchOption("top_k", sampling.TopK > 0 ? sampling.TopK : vocab);
        parameters.SetSearchOption("random_seed", (double)(sampling.Seed & 0x7FFF_FFFF));
    }
}
