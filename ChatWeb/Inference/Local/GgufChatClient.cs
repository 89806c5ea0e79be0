using System.Runtime.CompilerServices;
using ChatWeb.Chat;
using ChatWeb.Inference.Model;
using ChatWeb.Inference.Sampling;
using ChatWeb.Inference.Templates;
using ChatWeb.Inference.Tokenization;
using Microsoft.Extensions.AI;

namespace ChatWeb.Inference.Local;

/// <summary>
/// ChatWeb's own engine behind <see cref="IChatClient"/>: the conversation is written with the
/// model's chat template, tokenized, fed to the transformer, and the answer is sampled token by
/// token and streamed as text. Thinking (inside &lt;think&gt;…&lt;/think&gt;, or after a think
/// block the template opened) streams as <see cref="TextReasoningContent"/>; generation stops at
/// EOS/EOT (or a BOS, with which a base model starts a new document), a stop string, or the token
/// limit; the last update carries usage.
/// </summary>
/// <remarks>
/// The transformer runs one generation at a time (a semaphore queues the others). The KV cache
/// of the previous generation is kept, so a follow-up turn only feeds the tokens that are new.
/// </remarks>
internal sealed partial class GgufChatClient : IChatClient
{
    private readonly LocalModel _model;
    private readonly ChatPromptFormatter _formatter;
    private readonly ILogger<GgufChatClient> _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly float[] _logits;
    private Sequence? _sequence;
    private readonly List<int> _cached = []; // the tokens whose keys and values _sequence holds

    public GgufChatClient(LocalModel model, ILogger<GgufChatClient> logger)
    {
        _model = model;
        _logger = logger;
        var tokenizer = model.Tokenizer;
        _formatter = new ChatPromptFormatter(model.ChatTemplate,
            tokenizer.TokenTextOrNull(tokenizer.Specials.Bos), tokenizer.TokenTextOrNull(tokenizer.Specials.Eos), logger);
        _logits = new float[model.Transformer.Config.VocabSize];
        foreach (var warning in tokenizer.Warnings)
            LogTokenizerWarning(logger, warning);
        LogModelReady(logger, model.Name, _formatter.TemplateName);
    }

    public async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in GetStreamingResponseAsync(messages, options, cancellationToken))
            updates.Add(update);
        return updates.ToChatResponse();
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var tokenizer = _model.Tokenizer;
        var prompt = ChatPrompt.Build(messages, _formatter, tokenizer, EnableThinking(options));
        LogPrompt(_logger, prompt.Tokens.Count, prompt.Text);

        var sampler = new Sampler(SamplerOptionsFor(options), _model.Transformer.Config.VocabSize);
        var responseId = Guid.NewGuid().ToString("N");
        var decoder = new StreamingTextDecoder(tokenizer);
        var stops = new StopSequenceFilter(options?.StopSequences?.ToList() ?? []);
        var splitter = new ThinkSplitter();
        if (prompt.OpensThinking)
            splitter.Push("<think>");
        var atStart = new Dictionary<ReplyPhase, bool> { [ReplyPhase.Thinking] = true, [ReplyPhase.Answer] = true };

        await _gate.WaitAsync(cancellationToken);
        try
        {
            var sequence = _sequence ??= _model.Transformer.CreateSequence(_model.Options.ContextTokens);
            if (prompt.Tokens.Count >= sequence.Capacity)
                throw new InvalidOperationException(
                    $"The conversation is {prompt.Tokens.Count} tokens long, more than this model's context of {sequence.Capacity} tokens allows. Start a new chat or shorten the messages.");
            var maxTokens = Math.Min(options?.MaxOutputTokens ?? _model.Options.MaxOutputTokens, sequence.Capacity - prompt.Tokens.Count);

            await Task.Run(() => Prefill(sequence, prompt.Tokens), cancellationToken);

            var history = new List<int>(prompt.Tokens);
            var generated = 0;
            var finish = ChatFinishReason.Length;
            while (generated < maxTokens)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = sampler.Sample(_logits, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(history));
                if (tokenizer.EndOfGenerationIds.Contains(next) || next == tokenizer.Specials.Bos)
                {
                    finish = ChatFinishReason.Stop;
                    break;
                }
                history.Add(next);
                generated++;

                var text = stops.Push(decoder.Append(next));
                foreach (var update in Updates(splitter.Push(text), atStart, responseId))
                    yield return update;
                if (stops.Stopped)
                {
                    finish = ChatFinishReason.Stop;
                    break;
                }
                if (generated < maxTokens)
                    await Task.Run(() => Feed(sequence, next), cancellationToken);
            }

            if (!stops.Stopped)
                foreach (var update in Updates(splitter.Push(stops.Push(decoder.Flush()) + stops.Flush()), atStart, responseId))
                    yield return update;
            foreach (var update in Updates(splitter.Flush(), atStart, responseId))
                yield return update;

            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                ResponseId = responseId,
                ModelId = _model.Name,
                FinishReason = finish,
                Contents =
                [
                    new UsageContent(new UsageDetails
                    {
                        InputTokenCount = prompt.Tokens.Count,
                        OutputTokenCount = generated,
                        TotalTokenCount = prompt.Tokens.Count + generated,
                    }),
                ],
            };
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Feeds the prompt, reusing the cached tokens it starts with; leaves the last token's logits in _logits.</summary>
    private void Prefill(Sequence sequence, List<int> tokens)
    {
        var common = 0;
        while (common < _cached.Count && common < tokens.Count - 1 && _cached[common] == tokens[common]) common++;
        sequence.Truncate(common);
        _cached.RemoveRange(common, _cached.Count - common);
        try
        {
            _model.Transformer.Prefill(sequence, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tokens)[common..], _logits);
            _cached.AddRange(tokens.Skip(common));
        }
        catch
        {
            sequence.Reset();
            _cached.Clear();
            throw;
        }
    }

    private void Feed(Sequence sequence, int token)
    {
        try
        {
            _model.Transformer.Decode(sequence, token, _logits);
            _cached.Add(token);
        }
        catch
        {
            sequence.Reset();
            _cached.Clear();
            throw;
        }
    }

    /// <summary>One update per piece: thinking as reasoning content, the answer as text; leading blank space of each part dropped.</summary>
    private IEnumerable<ChatResponseUpdate> Updates(IReadOnlyList<(ReplyPhase Phase, string Text)> pieces, Dictionary<ReplyPhase, bool> atStart, string responseId)
    {
        foreach (var (phase, piece) in pieces)
        {
            var text = atStart[phase] ? piece.TrimStart() : piece;
            if (text.Length == 0) continue;
            atStart[phase] = false;
            AIContent content = phase == ReplyPhase.Thinking ? new TextReasoningContent(text) : new TextContent(text);
            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                ResponseId = responseId,
                MessageId = responseId,
                ModelId = _model.Name,
                Contents = [content],
            };
        }
    }

    private SamplerOptions SamplerOptionsFor(ChatOptions? options) => new()
    {
        Temperature = options?.Temperature ?? _model.Options.Temperature,
        TopP = options?.TopP is float p && p > 0 ? Math.Min(p, 1f) : _model.Options.TopP,
        TopK = options?.TopK is int k && k > 0 ? k : 0,
        Seed = options?.Seed is long seed ? unchecked((ulong)seed) : (ulong)Random.Shared.NextInt64(),
    };

    /// <summary>enable_thinking for templates that read it: from ChatOptions.Reasoning, or AdditionalProperties["enable_thinking"].</summary>
    private static bool? EnableThinking(ChatOptions? options)
    {
        if (options?.AdditionalProperties?.TryGetValue("enable_thinking", out var value) == true && value is bool b)
            return b;
        if (options?.Reasoning is { } reasoning)
            return reasoning.Effort != ReasoningEffort.None;
        return null;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tokenizer: {Warning}")]
    private static partial void LogTokenizerWarning(ILogger logger, string warning);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model '{Model}' ready; prompts use {Template}.")]
    private static partial void LogModelReady(ILogger logger, string model, string template);

    [LoggerMessage(Level = LogLevel.Trace, Message = "Prompt ({Tokens} tokens): {Prompt}")]
    private static partial void LogPrompt(ILogger logger, int tokens, string prompt);
}
