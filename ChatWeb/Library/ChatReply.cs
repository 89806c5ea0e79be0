using System.Text;

namespace ChatWeb.Library;

/// <summary>A whole reply gathered from its streamed steps, for the interfaces that answer in one piece.</summary>
internal sealed record ChatReply(string Answer, string Thinking, ChatCompleted Completed)
{
    public static async Task<ChatReply> CollectAsync(IAsyncEnumerable<ChatStep> steps)
    {
        var answer = new StringBuilder();
        var thinking = new StringBuilder();
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
                case ChatCompleted done: return new ChatReply(answer.ToString(), thinking.ToString(), done);
            }
        }
        throw new InvalidOperationException("The reply ended without completing.");
    }
}
