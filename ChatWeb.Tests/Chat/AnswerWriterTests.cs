using ChatWeb.Chat;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Chat;

public sealed class AnswerWriterTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly ConversationMessage _message = new(ChatRole.Assistant, status: MessageStatus.Streaming);

    private static ChatResponseUpdate Text(string text) => new(ChatRole.Assistant, text);
    private static ChatResponseUpdate Reasoning(string text) => new(ChatRole.Assistant, [new TextReasoningContent(text)]);

    [Fact]
    public void ThinkTags_GoToThinking_AndTheAnswerEndsTheThinkingClock()
    {
        var writer = new StepWriter(_message, _time);
        writer.Apply(Text("<think>Let me"));
        _time.Advance(TimeSpan.FromSeconds(3));
        writer.Apply(Text(" see.</think>\n\n"));
        Assert.True(_message.IsThinking);
        _time.Advance(TimeSpan.FromSeconds(1.1));
        writer.Apply(Text("It is 4."));

        Assert.Equal("Let me see.", _message.Thinking);
        Assert.Equal("It is 4.", _message.Text);
        Assert.False(_message.IsThinking);
        Assert.Equal(TimeSpan.FromSeconds(4.1), _message.ThinkingDuration);
    }

    [Fact]
    public void ReasoningContent_GoesToThinking_LikeTags()
    {
        var writer = new StepWriter(_message, _time);
        writer.Apply(Reasoning("Thinking "));
        writer.Apply(Reasoning("hard."));
        Assert.True(_message.IsThinking);
        _time.Advance(TimeSpan.FromSeconds(2));
        writer.Apply(Text("Done."));
        writer.Finish(MessageStatus.Complete);

        Assert.Equal("Thinking hard.", _message.Thinking);
        Assert.Equal("Done.", _message.Text);
        Assert.Equal(TimeSpan.FromSeconds(2), _message.ThinkingDuration);
    }

    [Fact]
    public void ClosingTagWithoutOpening_MovesTheTextSoFarIntoThinking()
    {
        var writer = new StepWriter(_message, _time);
        writer.Apply(Text("hidden "));
        writer.Apply(Text("plan"));
        Assert.Equal("hidden plan", _message.Text);
        _time.Advance(TimeSpan.FromSeconds(5));
        writer.Apply(Text("</think>Visible."));

        Assert.Equal("hidden plan", _message.Thinking);
        Assert.Equal("Visible.", _message.Text);
        Assert.Equal(TimeSpan.FromSeconds(5), _message.ThinkingDuration);
    }

    [Fact]
    public void Finish_CountsTokens_AndMeasuresSpeed()
    {
        var writer = new StepWriter(_message, _time);
        foreach (var word in new[] { "one ", "two ", "three ", "four" })
        {
            _time.Advance(TimeSpan.FromMilliseconds(500));
            writer.Apply(Text(word));
        }
        writer.Finish(MessageStatus.Complete);

        Assert.Equal(4, _message.OutputTokens);
        // Speed after the first token, as the live figure and the APIs define it: 3 tokens in the 1.5 s after the first.
        Assert.Equal(TimeSpan.FromSeconds(1.5), _message.GenerationTime);
        Assert.Equal(2.0, _message.TokensPerSecond);
    }

    [Fact]
    public void Finish_PrefersTheTokenCountTheModelReported()
    {
        var writer = new StepWriter(_message, _time);
        writer.Apply(Text("Hello"));
        writer.Apply(new ChatResponseUpdate { Contents = [new UsageContent(new UsageDetails { OutputTokenCount = 7 })] });
        writer.Finish(MessageStatus.Complete);

        Assert.Equal(7, _message.OutputTokens);
    }

    [Fact]
    public void StoppedWhileThinking_KeepsTheThoughts_AndStopsTheClock()
    {
        var writer = new StepWriter(_message, _time);
        writer.Apply(Text("<think>half a thou"));
        _time.Advance(TimeSpan.FromSeconds(1.5));
        writer.Finish(MessageStatus.Stopped);

        Assert.Equal("half a thou", _message.Thinking);
        Assert.Equal("", _message.Text);
        Assert.Equal(TimeSpan.FromSeconds(1.5), _message.ThinkingDuration);
        Assert.False(_message.IsThinking);
    }
}
