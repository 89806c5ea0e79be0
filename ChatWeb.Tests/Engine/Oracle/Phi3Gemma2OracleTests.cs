using Xunit.Abstractions;

namespace ChatWeb.Tests.Engine.Oracle;

/// <summary>
/// The phi3 files (fused QKV and gate/up, a sliding window of 24 on every layer) and the gemma2 file
/// (26 layers, √dim embedding scale, post-norms, GELU, attention and final soft-caps, a window of 16 on
/// the even layers) of ../shared/oracle against llama.cpp, as <see cref="LlamaQwen2OracleTests"/> does
/// for llama and qwen2. Each case prints its row of the Δ table.
/// </summary>
public sealed class Phi3Gemma2OracleTests(ITestOutputHelper output)
{
    public static TheoryData<string> Phi3Files => OracleFile.NamesOf("phi3");

    public static TheoryData<string> Gemma2Files => OracleFile.NamesOf("gemma2");

    public static TheoryData<string> SlidingWindowFiles => new() { "phi3-F16", "gemma2-Q4_K_M" };

    [Theory]
    [MemberData(nameof(Phi3Files))]
    public void Phi3_MatchesLlamaCppWithinTheFilesTolerance(string name) => Check(name, maxBatch: 256);

    [Theory]
    [MemberData(nameof(Gemma2Files))]
    public void Gemma2_MatchesLlamaCppWithinTheFilesTolerance(string name) => Check(name, maxBatch: 256);

    /// <summary>With steps of at most 8 tokens a sliding layer's cache is a ring of window + 7 slots,
    /// which the 64 positions of the run wrap around several times.</summary>
    [Theory]
    [MemberData(nameof(SlidingWindowFiles))]
    public void SlidingWindowRingCache_StillMatchesLlamaCpp(string name) => Check(name, maxBatch: 8);

    private void Check(string name, int maxBatch)
    {
        var file = OracleFile.Named(name);
        var comparison = OracleComparison.Of(file, OracleRun.Of(file, maxBatch: maxBatch));
        output.WriteLine(OracleComparison.Header);
        output.WriteLine(comparison.Row);
        comparison.AssertWithinTolerance();
    }
}
