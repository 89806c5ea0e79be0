using ChatWeb.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Library;

/// <summary>
/// Turns an <see cref="IChatClient"/>'s streamed updates into <see cref="ChatStep"/>s: text is split
/// into thinking and answer at &lt;think&gt; tags (reasoning content the client marks as such is
/// thinking too), and the end carries usage (from the client, else counted) and timings.
/// </summary>
internal static class ChatStepStream
{
    public static async IAsyncEnumerable<ChatStep> StreamAsync(
        IChatClient client, IReadOnlyList<ChatMessage> messages, ChatOptions? options, TimeProvider time,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        long? firstToken = null;
        var splitter = new ThinkSplitter();
        var streamedPieces = 0;
        UsageDetails? usage = null;
        var finishReason = "stop";

        await foreach (var update in client.GetStreamingResponseAsync(messages, options, cancellationToken))
        {
            if (update.FinishReason == ChatFinishReason.Length)
                finishReason = "length";
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
                        foreach (var step in ToSteps(splitter.Push(text.Text)))
                            yield return step;
                        break;
                }
            }
        }
        foreach (var step in ToSteps(splitter.Flush()))
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

    private static IEnumerable<ChatStep> ToSteps(IReadOnlyList<(ReplyPhase Phase, string Text)> pieces) =>
        pieces.Select(p => p.Phase == ReplyPhase.Thinking ? (ChatStep)new ThinkingToken(p.Text) : new AnswerToken(p.Text));
}
