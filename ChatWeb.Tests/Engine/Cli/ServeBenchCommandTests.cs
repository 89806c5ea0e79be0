using ChatWeb.Engine.Cli;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Tests.Engine.Cli;

/// <summary>The load benchmark runs end to end on a tiny model (its figures are not checked: timings belong to benchmarks).</summary>
public sealed class ServeBenchCommandTests
{
    [Fact]
    public async Task BenchServe_PrintsOneRowPerClientCount_WithNoErrors()
    {
        var output = new StringWriter();
        var path = TestPaths.Model("stories260K", "stories260K.gguf");

        var exit = await ServeBenchCommand.RunAsync(new CliArguments([path, "--clients", "1,3", "--prompt", "8", "--gen", "6", "--threads", "1"]), output);

        Assert.Equal(0, exit);
        var rows = output.ToString().Split('\n').Where(l => l.TrimStart().StartsWith('1') || l.TrimStart().StartsWith('3')).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.EndsWith(" 0", row.TrimEnd())); // the errors column
    }

    [Fact]
    public async Task BenchServe_WithTurns_ReadsOnlyEachTurnsNewTokens_WithTheSameAnswers()
    {
        var output = new StringWriter();
        var path = TestPaths.Model("stories260K", "stories260K.gguf");

        var exit = await ServeBenchCommand.RunAsync(new CliArguments([path, "--turns", "3", "--prompt", "8", "--gen", "6", "--threads", "1"]), output);

        Assert.Equal(0, exit);
        var rows = output.ToString().Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(cells => cells.Length == 9 && cells[^1] == "yes").ToList();
        // turn, history, tokens read with the kept cache, …, tokens read without it: a turn's 8 new tokens and the
        // answer's last one (never fed) against the whole history
        Assert.Equal(["1", "0", "8"], rows[0][..3]);
        Assert.Equal(["2", "14", "9"], rows[1][..3]);
        Assert.Equal(["3", "28", "9"], rows[2][..3]);
        Assert.Equal(["8", "22", "36"], rows.Select(r => r[5]));
        Assert.Contains("peak RSS", output.ToString());
    }

    [Fact]
    public async Task BenchServe_WithABadClientList_SaysWhatIsWrong()
    {
        var error = await Assert.ThrowsAsync<CliException>(() =>
            ServeBenchCommand.RunAsync(new CliArguments(["model.gguf", "--clients", "1,x"]), TextWriter.Null));

        Assert.Contains("--clients takes whole numbers, not 'x'", error.Message);
    }
}
