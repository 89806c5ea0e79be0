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
    public async Task BenchServe_WithABadClientList_SaysWhatIsWrong()
    {
        var error = await Assert.ThrowsAsync<CliException>(() =>
            ServeBenchCommand.RunAsync(new CliArguments(["model.gguf", "--clients", "1,x"]), TextWriter.Null));

        Assert.Contains("--clients takes whole numbers, not 'x'", error.Message);
    }
}
