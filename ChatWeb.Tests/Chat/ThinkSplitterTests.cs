using ChatWeb.Chat;

namespace ChatWeb.Tests.Chat;

public sealed class ThinkSplitterTests
{
    [Theory]
    [InlineData("<think>hmm</think>\n\nYes.")]
    [InlineData("<thi|nk>hm|m</th|ink>|\n|\nYes|.")]
    [InlineData("<|t|h|i|n|k|>|h|m|m|<|/|think>|\n\n|Y|es.")]
    public void Split_SeparatesThinkingFromAnswer_WhereverThePiecesBreak(string piecesSeparatedByBars)
    {
        var pieces = piecesSeparatedByBars.Split('|');
        var splitter = new ThinkSplitter();

        var output = pieces.SelectMany(splitter.Push).Concat(splitter.Flush()).ToList();

        Assert.Equal("hmm", string.Concat(output.Where(o => o.Phase == ReplyPhase.Thinking).Select(o => o.Text)));
        Assert.Equal("Yes.", string.Concat(output.Where(o => o.Phase == ReplyPhase.Answer).Select(o => o.Text)));
    }

    [Fact]
    public void TextThatOnlyLooksLikeATagStart_IsAnswer_AndNothingIsLost()
    {
        var splitter = new ThinkSplitter();

        var output = splitter.Push("a < b and x <th").Concat(splitter.Flush()).ToList();

        Assert.All(output, o => Assert.Equal(ReplyPhase.Answer, o.Phase));
        Assert.Equal("a < b and x <th", string.Concat(output.Select(o => o.Text)));
    }

    [Fact]
    public void UnclosedThinking_StaysThinking()
    {
        var splitter = new ThinkSplitter();

        var output = splitter.Push("<think>still going").ToList();

        Assert.Equal([(ReplyPhase.Thinking, "still going")], output);
        Assert.Equal(ReplyPhase.Thinking, splitter.Phase);
    }
}
