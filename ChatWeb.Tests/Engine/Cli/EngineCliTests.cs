using ChatWeb.Engine.Cli;
using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Tests.Engine.Cli;

public sealed class EngineCliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatweb-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Output) Run(Func<CliArguments, TextWriter, int> command, params string[] args)
    {
        var output = new StringWriter();
        var code = command(new CliArguments(args), output);
        return (code, output.ToString());
    }

    [Theory]
    [InlineData("q8_0", GgmlType.Q8_0)]
    [InlineData("q4_0", GgmlType.Q4_0)]
    [InlineData("q4_k", GgmlType.Q4_K)]
    [InlineData("q6_k", GgmlType.Q6_K)]
    [InlineData("q5_k", GgmlType.Q5_K)]
    [InlineData("q5_1", GgmlType.Q5_1)]
    [InlineData("q5_0", GgmlType.Q5_0)]
    [InlineData("q4_1", GgmlType.Q4_1)]
    [InlineData("iq4_xs", GgmlType.IQ4_XS)]
    [InlineData("iq4_nl", GgmlType.IQ4_NL)]
    [InlineData("q3_k", GgmlType.Q3_K)]
    [InlineData("q2_k", GgmlType.Q2_K)]
    [InlineData("q4_k_m", GgmlType.Q4_K)]
    [InlineData("f16", GgmlType.F16)]
    [InlineData("f32", GgmlType.F32)]
    public void ModelMake_Tiny_WritesAModelThatLoadsAndRuns(string typeName, GgmlType type)
    {
        var path = Path.Combine(_folder, "tiny.gguf");

        var (code, _) = Run((a, o) => ModelMakeCommand.Run(a, o, TextWriter.Null), "--shape", "tiny", "--type", typeName, "--out", path);

        Assert.Equal(0, code);
        Assert.False(File.Exists(path + ".partial"));
        using var model = Transformer.Load(path, new EngineOptions { Threads = 1 });
        Assert.Equal(1024, model.Config.VocabSize);
        Assert.Equal(type, model.File.FindTensor("blk.0.ffn_up.weight")!.Type);
        // below 6 bits the output projection keeps Q6_K, as llama-quantize does
        Assert.Equal(type is GgmlType.F32 or GgmlType.F16 or GgmlType.Q8_0 or GgmlType.Q6_K ? type : GgmlType.Q6_K, model.File.FindTensor("output.weight")!.Type);
        Assert.Equal(1024, model.File.GetArray<string>("tokenizer.ggml.tokens")!.Distinct().Count());
        Assert.Equal(1024 - 3 - 256, model.File.GetArray<string>("tokenizer.ggml.merges")!.Length);
        var logits = new float[1024];
        model.Prefill(model.CreateSequence(), [1, 2, 3], logits);
        Assert.All(logits, l => Assert.True(float.IsFinite(l)));
    }

    [Fact]
    public void ModelMake_UnknownType_NamesTheKnownOnes()
    {
        var error = Assert.Throws<CliException>(() => Run((a, o) => ModelMakeCommand.Run(a, o, TextWriter.Null), "--shape", "tiny", "--type", "q1_x", "--out", Path.Combine(_folder, "x.gguf")));

        Assert.Contains("Unknown type 'q1_x'", error.Message);
        Assert.Contains("q3_k_m", error.Message);
    }

    [Fact]
    public void ModelMake_WithAHuggingFaceTokenizer_CarriesItsVocabularyAndTemplate()
    {
        var tokenizer = TestPaths.Model("tokenizers", "qwen3", "tokenizer.json");
        var section = TokenizerSection.FromHuggingFace(tokenizer, 151936);

        Assert.Equal("<|im_end|>", section.Tokens[section.Eos]);
        Assert.Equal("[PAD151935]", section.Tokens[^1]);
        Assert.Contains("<|im_start|>", section.ChatTemplate);
        Assert.True(section.Merges.Length > 150_000);
    }

    [Fact]
    public void Llama1bShape_RopeFactors_SlowOnlyTheLongWavelengths()
    {
        var factors = ModelShape.Find("llama-1b").RopeFrequencyFactors();

        Assert.Equal(32, factors.Length); // head size 64
        Assert.Equal(1f, factors[0]);     // the fastest rotation is kept
        Assert.Equal(32f, factors[^1]);   // the slowest is slowed by the full factor
        Assert.True(factors.Zip(factors.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void ModelInfo_DescribesStories260K()
    {
        var (code, output) = Run(ModelInfoCommand.Run, TestPaths.Model("stories260K", "stories260K.gguf"));

        Assert.Equal(0, code);
        Assert.Contains("architecture   llama", output);
        Assert.Contains("F32 ×48", output);
        Assert.Contains("context        2048 tokens", output);
        Assert.Contains("chat template  none", output);
        Assert.Contains("engine         can run this file", output);
    }

    [Fact]
    public void Bench_PrintsSpeedsAndPeakMemory()
    {
        var path = Path.Combine(_folder, "tiny.gguf");
        Run((a, o) => ModelMakeCommand.Run(a, o, TextWriter.Null), "--shape", "tiny", "--type", "f32", "--out", path);

        var (code, output) = Run((a, o) => BenchCommand.Run(a, o, TextWriter.Null), path, "--threads", "1", "--prompt", "8", "--gen", "4");

        Assert.Equal(0, code);
        Assert.Matches(@"prompt\s+8 tokens\s+[\d.]+ tokens/s", output);
        Assert.Matches(@"generate\s+4 tokens\s+[\d.]+ tokens/s", output);
        Assert.Contains("peak memory", output);
    }

    [Fact]
    public void BadArguments_AreExplained()
    {
        Assert.Contains("--shape", Assert.Throws<CliException>(() => Run((a, o) => ModelMakeCommand.Run(a, o, TextWriter.Null), "--type", "f32")).Message);
        Assert.Contains("Unknown shape", Assert.Throws<CliException>(() => Run((a, o) => ModelMakeCommand.Run(a, o, TextWriter.Null), "--shape", "gpt5", "--type", "f32", "--out", "x")).Message);
        Assert.Contains("--threads", Assert.Throws<CliException>(() => Run((a, o) => BenchCommand.Run(a, o, TextWriter.Null), "x.gguf", "--threads", "zero")).Message);
        var notGguf = Path.Combine(_folder, "notes.txt");
        File.WriteAllText(notGguf, "hello, not a model");
        Assert.Throws<GgufFormatException>(() => Run(ModelInfoCommand.Run, notGguf));
    }
}
