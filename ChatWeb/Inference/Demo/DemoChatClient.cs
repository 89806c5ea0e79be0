using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatWeb.Inference.Demo;

/// <summary>
/// A simulated assistant used when no model is loaded. It answers a few keywords with canned text,
/// streams it word by word at a configurable pace, and thinks aloud in a &lt;think&gt; block first
/// when asked to (<see cref="ChatOptions.Reasoning"/> with an effort other than None, or, without
/// that option, a prompt that says "think" or "ponder"; "ponder" gets longer thoughts). A prompt
/// that says "reasoning" gets its thoughts as <see cref="TextReasoningContent"/> instead of tags, as
/// some backends send them. A prompt containing "fail" makes it throw, to show errors.
/// </summary>
internal sealed class DemoChatClient(IOptions<DemoOptions> options, TimeProvider time) : IChatClient
{
    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? chatOptions = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var prompt = messages.LastOrDefault(m => m.Role == ChatRole.User)?.Text ?? "";
        if (prompt.Contains("fail", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException("The demo backend failed on purpose (the prompt asked it to fail).");

        var text = DemoAnswers.For(prompt, messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Text);
        var think = chatOptions?.Reasoning?.Effort is { } effort
            ? effort != ReasoningEffort.None
            : prompt.Contains("think", StringComparison.OrdinalIgnoreCase) || prompt.Contains("ponder", StringComparison.OrdinalIgnoreCase);
        var thoughtsAsContent = think && prompt.Contains("reasoning", StringComparison.OrdinalIgnoreCase);
        if (think && !thoughtsAsContent)
            text = $"<think>{DemoAnswers.ThinkingFor(prompt)}</think>\n\n{text}";

        var delay = TimeSpan.FromMilliseconds(options.Value.WordDelayMs);
        var count = 0;
        var thoughts = thoughtsAsContent ? SplitIntoWords(DemoAnswers.ThinkingFor(prompt)) : [];
        foreach (var (word, isThought) in thoughts.Select(w => (w, true)).Concat(SplitIntoWords(text).Select(w => (w, false))))
        {
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay, time, cancellationToken);
            cancellationToken.ThrowIfCancellationRequested();
            count++;
            yield return isThought
                ? new ChatResponseUpdate(ChatRole.Assistant, [new TextReasoningContent(word)])
                : new ChatResponseUpdate(ChatRole.Assistant, word);
        }

        var inputTokens = messages.Sum(m => SplitIntoWords(m.Text).Count());
        yield return new ChatResponseUpdate
        {
            Role = ChatRole.Assistant,
            FinishReason = ChatFinishReason.Stop,
            Contents = [new UsageContent(new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = count })],
        };
    }

    /// <summary>Splits text into words, each carrying the whitespace that follows it.</summary>
    internal static IEnumerable<string> SplitIntoWords(string text)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var endOfWord = char.IsWhiteSpace(text[i]) && (i + 1 == text.Length || !char.IsWhiteSpace(text[i + 1]));
            if (endOfWord)
            {
                yield return text[start..(i + 1)];
                start = i + 1;
            }
        }
        if (start < text.Length)
            yield return text[start..];
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose() { }
}
