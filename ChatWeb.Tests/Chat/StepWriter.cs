using ChatWeb.Chat;
using ChatWeb.Library;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Chat;

/// <summary>
/// Feeds a model's updates one at a time through the <see cref="ChatStepStream"/> into an
/// <see cref="AnswerWriter"/>, as the chat page's conversation service does, so a test can move the clock between them.
/// </summary>
internal sealed class StepWriter(ConversationMessage message, TimeProvider time)
{
    private readonly ChatStepStream _steps = new(time);
    private readonly AnswerWriter _writer = new(message, time);

    public void Apply(ChatResponseUpdate update)
    {
        foreach (var step in _steps.Read(update))
            _writer.Apply(step);
    }

    public void Finish(MessageStatus status, string? error = null) => _writer.Finish(status, _steps, error);
}
