using ChatWeb.Engine.Chat;
using System.Text;

namespace ChatWeb.Library;

/// <summary>A whole reply gathered from its streamed steps, for the interfaces that answer in one piece.</summary>
internal sealed record ChatReply(string Answer, string Thinking, ChatCompleted Completed)
{
    /// <summary>The tokens' log-probabilities, when they were asked for.</summary>
    public IReadOnlyList<TokenLogprob> Logprobs { get; init; } = [];

    public static async Task<ChatReply> CollectAsync(IAsyncEnumerable<ChatStep> steps)
    {
        var answer = new StringBuilder();
        var thinking = new StringBuilder();
        var logprobs = new List<TokenLogprob>();
        await foreach (var step in steps)
        {
            switch (step)
            {
                case ThinkingToken t: thinking.Append(t.Text); break;
                case AnswerToken a: answer.Append(a.Text); break;
                case AnswerWasThinking:
                    thinking.Insert(0, answer);
                    answer.Clear();
                    break;
                case LogprobStep l: logprobs.Add(l.Logprob); break;
                case ChatCompleted done: return new ChatReply(answer.ToString(), thinking.ToString(), done) { Logprobs = logprobs };
            }
        }
        throw new InvalidOperationException("The reply ended without completing.");
    }
}
