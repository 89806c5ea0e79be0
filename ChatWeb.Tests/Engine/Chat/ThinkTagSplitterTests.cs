using ChatWeb.Engine.Chat;

namespace ChatWeb.Tests.Engine.Chat;

public sealed class ThinkTagSplitterTests
{
    /// <summary>Feeds the pieces and collects thinking and answer the way a message would.</summary>
    private static (string Thinking, string Answer) Split(IEnumerable<string> pieces, bool startsInsideThink = false)
    {
        var splitter = new ThinkTagSplitter(startsInsideThink);
        var thinking = "";
        var answer = "";
        foreach (var split in pieces.Select(splitter.Push).Concat(Enumerable.Repeat(0, 1).Select(_ => splitter.Flush())))
        {
            if (split.EarlierAnswerWasThinking)
            {
                thinking = answer + thinking;
                answer = "";
            }
            thinking += split.Thinking;
            answer += split.Answer;
        }
        return (thinking, answer);
    }

    /// <summary>Every way to cut the text in two, plus one piece per character.</summary>
    private static IEnumerable<string[]> Cuts(string text)
    {
        for (var i = 0; i <= text.Length; i++)
            yield return [text[..i], text[i..]];
        for (var i = 0; i < text.Length; i++)
            for (var j = i; j <= text.Length; j++)
                yield return [text[..i], text[i..j], text[j..]];
        yield return text.Select(c => c.ToString()).ToArray();
    }

    [Theory]
    [InlineData("<think>I should greet.</think>Hello!", "I should greet.", "Hello!")]
    [InlineData("  \n<think>a</think>\n\nb", "a", "\n\nb")]
    [InlineData("<think></think>Answer only", "", "Answer only")]
    [InlineData("<think>unfinished thought", "unfinished thought", "")]
    [InlineData("<think>is <think> a tag? no</think>then <think> and </think> are text", "is <think> a tag? no", "then <think> and </think> are text")]
    [InlineData("No tags at all, just an answer with a < sign and <thin text.", "", "No tags at all, just an answer with a < sign and <thin text.")]
    [InlineData("Use the <think> tag to think.", "", "Use the <think> tag to think.")]
    [InlineData("<thinking>is not our tag</thinking>", "", "<thinking>is not our tag</thinking>")]
    [InlineData("<", "", "<")]
    [InlineData("<think", "", "<think")]
    [InlineData("", "", "")]
    public void SplitsTheSame_WhereverThePiecesAreCut(string text, string thinking, string answer)
    {
        foreach (var pieces in Cuts(text))
            Assert.Equal((thinking, answer), Split(pieces));
    }

    [Theory]
    [InlineData("the template opened it</think>The answer.", "the template opened it", "The answer.")]
    [InlineData("a</think>b</think>c", "a", "b</think>c")]
    public void MissingOpeningTag_TheClosingTagShowsTheEarlierTextWasThinking(string text, string thinking, string answer)
    {
        foreach (var pieces in Cuts(text))
            Assert.Equal((thinking, answer), Split(pieces));
    }

    [Fact]
    public void MissingOpeningTag_WhenTheCallerKnows_ThoughtsAreThinkingFromTheFirstPiece()
    {
        var splitter = new ThinkTagSplitter(startsInsideThink: true);

        var first = splitter.Push("pondering");
        Assert.Equal(new ThinkSplit("pondering", "", false), first);
        Assert.Equal(("pondering", "answer"), Split(["ponder", "ing</th", "ink>answer"], startsInsideThink: true));
    }

    [Fact]
    public void APossibleTagStart_IsHeldBack_UntilTheNextPieceDecides()
    {
        var splitter = new ThinkTagSplitter();
        Assert.Equal(new ThinkSplit("", "", false), splitter.Push("<thi"));
        Assert.Equal(new ThinkSplit("deep thought ", "", false), splitter.Push("nk>deep thought </"));
        Assert.Equal(new ThinkSplit("", "Answer", false), splitter.Push("think>Answer"));
    }

    [Fact]
    public void AnswerWithoutTags_StreamsAtOnce_ExceptAPossibleClosingTagStart()
    {
        var splitter = new ThinkTagSplitter();
        Assert.Equal("Hello ", splitter.Push("Hello ").Answer);
        Assert.Equal("a ", splitter.Push("a <").Answer);
        Assert.Equal("<b", splitter.Push("b").Answer);
    }
}
