using ChatWeb.Engine.Cli;
using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;
using ChatWeb.Tests.Engine.Oracle;

namespace ChatWeb.Tests.Engine.Cli;

/// <summary><c>model make</c>'s "_M" mixtures against llama-quantize's own files in ../shared/oracle.</summary>
public sealed class QuantizationMixTests
{
    public static TheoryData<string> MixedOracleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in OracleFile.All.Where(f => f.Type.EndsWith("_M") && f.Architecture is "llama" or "qwen2"))
            data.Add(file.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(MixedOracleFiles))]
    public void MediumMix_GivesEveryMatrixTheTypeLlamaQuantizeGaveIt(string name)
    {
        var oracle = OracleFile.Named(name);
        var mix = QuantizationMix.Parse(oracle.Type);
        using var file = GgufFile.Open(oracle.GgufPath);
        var layers = (int)file.GetInteger($"{oracle.Architecture}.block_count")!.Value;
        var tied = file.FindTensor("output.weight") is null;

        foreach (var tensor in file.Tensors.Where(t => t.Dimensions.Length == 2))
            Assert.True(tensor.Type == mix.TypeFor(tensor.Name, (int)tensor.Cols, layers, tied),
                $"{tensor.Name}: llama-quantize wrote {tensor.Type}, the mix says {mix.TypeFor(tensor.Name, (int)tensor.Cols, layers, tied)}");
    }

    [Theory]
    [InlineData(GgmlType.Q4_K, 896, GgmlType.Q5_0)] // Qwen2.5-0.5B's rows: why its Q4_K_M files hold Q5_0
    [InlineData(GgmlType.Q5_K, 896, GgmlType.Q5_1)]
    [InlineData(GgmlType.Q3_K, 896, GgmlType.IQ4_NL)]
    [InlineData(GgmlType.IQ4_XS, 896, GgmlType.IQ4_NL)]
    [InlineData(GgmlType.Q6_K, 896, GgmlType.Q8_0)]
    [InlineData(GgmlType.Q4_K, 2048, GgmlType.Q4_K)]
    public void RowsThatDoNotFitTheBlocks_FallBackAsLlamaCppDoes(GgmlType wanted, int cols, GgmlType expected) =>
        Assert.Equal(expected, QuantizationMix.FitRow(wanted, cols));

    [Fact]
    public void Q4_K_M_OnSixteenLayers_RaisesTheLayersLlamaQuantizeRaises()
    {
        var mix = QuantizationMix.Parse("q4_k_m");
        var raised = Enumerable.Range(0, 16).Where(l => mix.TypeFor($"blk.{l}.ffn_down.weight", 8192, 16, tiedOutput: true) == GgmlType.Q6_K);

        // the first and last eighth, and every third layer in between
        Assert.Equal([0, 1, 4, 7, 10, 13, 14, 15], raised);
        Assert.Equal(GgmlType.Q4_K, mix.TypeFor("blk.4.attn_q.weight", 2048, 16, tiedOutput: true));
        Assert.Equal(GgmlType.Q6_K, mix.TypeFor("token_embd.weight", 2048, 16, tiedOutput: true));
        Assert.Equal(GgmlType.Q4_K, mix.TypeFor("token_embd.weight", 2048, 16, tiedOutput: false));
    }
}
