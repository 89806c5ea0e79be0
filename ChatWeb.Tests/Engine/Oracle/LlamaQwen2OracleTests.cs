using Xunit.Abstractions;

namespace ChatWeb.Tests.Engine.Oracle;

/// <summary>
/// Every llama and qwen2 file of ../shared/oracle (every common tensor type) against llama.cpp's
/// logits: the prompt as one batch and one token at a time, then llama.cpp's greedy ids teacher-forced
/// (see <see cref="OracleComparison"/> for what is held to which tolerance). Each case prints its row
/// of the Δ table (run with <c>--logger "console;verbosity=detailed"</c> to see them).
/// </summary>
public sealed class LlamaQwen2OracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> LlamaFiles => OracleFile.NamesOf("llama");

    public static TheoryData<string> Qwen2Files => OracleFile.NamesOf("qwen2");

    [Theory]
    [MemberData(nameof(LlamaFiles))]
    public void Llama_MatchesLlamaCppWithinTheFilesTolerance(string name) => Check(name);

    [Theory]
    [MemberData(nameof(Qwen2Files))]
    public void Qwen2_MatchesLlamaCppWithinTheFilesTolerance(string name) => Check(name);

    private void Check(string name)
    {
        var file = OracleFile.Named(name);
        var comparison = OracleComparison.Of(file, OracleRun.Of(file));
        output.WriteLine(OracleComparison.Header);
        output.WriteLine(comparison.Row);
        comparison.AssertWithinTolerance();
    }
}
