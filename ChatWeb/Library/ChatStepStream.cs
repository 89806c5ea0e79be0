using ChatWeb.Chat;
using Microsoft.Extensions.AI;
using ChatWeb.Engine.Chat;

namespace ChatWeb.Library;

/// <summary>
/// Turns an <see cref="IChatClient"/>'s streamed updates into <see cref="ChatStep"/>s: text is split
/// into thinking and answer at &lt;think&gt; tags by the chat surface's <see cref="ThinkTagSplitter"/>
/// (reasoning content the client marks as such is thinking too), the blank lines between thinking and
/// answer are dropped, and the end carries usage (from the client, else counted) and timings.
/// A backend that streams past <see cref="ChatOptions.MaxOutputTokens"/> is stopped there
/// (finish reason "length"); stop sequences are left to the backend.
/// </summary>
internal static class ChatStepStream
{
    public static async IAsyncEnumerable<ChatStep> StreamAsync(
        IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions? options, TimeProvider time,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        long? firstToken = null;
        var splitter = new ThinkTagSplitter();
        var answerStarted = false;
        var streamedPieces = 0;
        UsageDetails? usage = null;
        var finishReason = "stop";

        IEnumerable<ChatStep> Steps(ThinkSplit split)
        {
            // A closing tag without an opening one (EarlierAnswerWasThinking) cannot recall tokens
            // already sent as answer; from here on the split is right.
            if (split.Thinking.Length > 0)
                yield return new ThinkingToken(split.Thinking);
            var answer = answerStarted ? split.Answer : split.Answer.TrimStart('\r', '\n');
            if (answer.Length > 0)
            {
                answerStarted = true;
                yield return new AnswerToken(answer);
            }
        }

        var limit = options?.MaxOutputTokens ?? int.MaxValue;
        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.FinishReason == ChatFinishReason.Length)
                finishReason = "length";
            if (streamedPieces >= limit && update.Contents.Any(c => c is TextContent or TextReasoningContent))
            {
                // Leaving the loop disposes the stream, which ends the generation.
                finishReason = "length";
                break;
            }
            foreach (var content in update.Contents)
            {
                switch (content)
                {
                    case UsageContent u:
                        usage = u.Details;
                        break;
                    case TextReasoningContent reasoning when reasoning.Text.Length > 0:
                        firstToken ??= time.GetTimestamp();
                        streamedPieces++;
                        yield return new ThinkingToken(reasoning.Text);
                        break;
                    case TextContent text when text.Text.Length > 0:
                        firstToken ??= time.GetTimestamp();
                        streamedPieces++;
                        foreach (var step in Steps(splitter.Push(text.Text)))
                            yield return step;
                        break;
                }
            }
        }
        foreach (var step in Steps(splitter.Flush()))
            yield return step;

        var total = time.GetElapsedTime(started);
        var first = firstToken is { } t ? time.GetElapsedTime(started, t) : total;
        var completionTokens = (int)(usage?.OutputTokenCount ?? streamedPieces);
        var promptTokens = (int)(usage?.InputTokenCount ?? 0);
        var decodeSeconds = (total - first).TotalSeconds;
        var tokensPerSecond = decodeSeconds > 0 && completionTokens > 1 ? (completionTokens - 1) / decodeSeconds : 0;
        yield return new ChatCompleted(
            new ChatUsage(promptTokens, completionTokens),
            new ChatTimings(Math.Round(first.TotalMilliseconds, 1), Math.Round(total.TotalMilliseconds, 1), Math.Round(tokensPerSecond, 2)),
            finishReason);
    }
}
