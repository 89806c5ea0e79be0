using ChatWeb.Inference.Demo;
using ChatWeb.Markdown;

namespace ChatWeb.Tests.Markdown;

public sealed class StreamingMarkdownTests
{
    private static readonly string Sample =
        "# Title\n\nA paragraph with *emphasis*.\n\n1. one\n\n2. two\n\nText\n===\n\n" +
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n```js\nlet x = 1;\n\nlet y = 2;\n```\n\n- a\n- b\n\n> quote\ncontinued\n\nLast line.";

    /// <summary>Streams the text in pieces of the given size; checks frozen HTML never changes.</summary>
    private static string Stream(string text, int pieceSize)
    {
        var markdown = new StreamingMarkdown();
        var frozenSeen = new List<string>();
        for (var end = pieceSize; end < text.Length + pieceSize; end += pieceSize)
        {
            markdown.Update(text[..Math.Min(end, text.Length)], complete: false);
            Assert.Equal(frozenSeen, markdown.FrozenHtml.Take(frozenSeen.Count));
            frozenSeen = [.. markdown.FrozenHtml];
        }
        markdown.Update(text, complete: true);
        Assert.Equal(frozenSeen, markdown.FrozenHtml.Take(frozenSeen.Count));
        Assert.Equal("", markdown.TailHtml);
        return string.Concat(markdown.FrozenHtml);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(40)]
    public void StreamedInPieces_TheResultIsTheSameAsRenderingTheWholeText(int pieceSize)
    {
        Assert.Equal(SafeMarkdown.ToHtml(Sample), Stream(Sample, pieceSize));
    }

    [Fact]
    public void LongAnswer_FreezesAsItGrows_SoTheTailStaysSmall()
    {
        var text = DemoAnswers.LongMarkdown(sections: 10);
        var markdown = new StreamingMarkdown();
        var largestTail = 0;
        foreach (var end in Enumerable.Range(1, text.Length / 20).Select(i => i * 20))
        {
            markdown.Update(text[..end], complete: false);
            largestTail = Math.Max(largestTail, markdown.TailHtml.Length);
        }

        Assert.True(markdown.FrozenHtml.Count > 50, $"only {markdown.FrozenHtml.Count} frozen parts");
        Assert.True(largestTail < 1500, $"the open tail grew to {largestTail} characters");
        markdown.Update(text, complete: true);
        Assert.Equal(SafeMarkdown.ToHtml(text), string.Concat(markdown.FrozenHtml));
    }

    [Fact]
    public void ReplacedText_StartsOver()
    {
        var markdown = new StreamingMarkdown();
        markdown.Update("# One\n\npara\n\nmore\n\nx", complete: false);
        Assert.NotEmpty(markdown.FrozenHtml);

        markdown.Update("Different", complete: true);

        Assert.Equal(SafeMarkdown.ToHtml("Different"), string.Concat(markdown.FrozenHtml));
    }
}
