using ChatWeb.Engine.Chat;
using System.Text;

namespace ChatWeb.Library;

/// <summary>A whole reply gathered from its streamed steps, for the interfaces that answer in one piece.</summary>
internal sealed record ChatReply(string Answer, string Thinking, ChatCompleted Completed)
{
    /// <summary>The tokens' log-probabilities, when they were asked for.</summary>
    public IReadOnlyList<TokenLogprob> Logprobs { get; init; } = [];

    /// <summary>The functions the model called.</summary>
    public IReadOnlyList<Microsoft.Extensions.AI.FunctionCallContent> ToolCalls { get; init; } = [];

    public static async Task<ChatReply> CollectAsync(IAsyncEnumerable<ChatStep> steps)
    {
        var answer = new StringBuilder();
        var thinking = new StringBuilder();
        var logprobs = new List<TokenLogprob>();
        var calls = new List<Microsoft.Extensions.AI.FunctionCallContent>();
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
                case ToolCallStep c: calls.Add(c.Call); break;
                case ChatCompleted done: return new ChatReply(answer.ToString(), thinking.ToString(), done) { Logprobs = logprobs, ToolCalls = calls };
            }
        }
        throw new InvalidOperationException("The reply ended without completing.");
    }
}
