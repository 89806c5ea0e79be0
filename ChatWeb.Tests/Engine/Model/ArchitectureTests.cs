using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>Each architecture on a synthetic F32 model against the double-precision <see cref="ReferenceForward"/>.</summary>
public sealed class ArchitectureTests
{
    private const double RelativeTolerance = 1e-4;
    private static readonly int[] Prompt = [3, 17, 5, 39, 0, 22, 8];

    public static TheoryData<string> Models => new() { "llama", "llama-tied-ropefreqs", "llama3-rope-scaling", "qwen2", "qwen3", "gemma3" };

    internal static SyntheticModel Make(string name) => name switch
    {
        "llama" => new SyntheticModel { Architecture = "llama" },
        "llama-tied-ropefreqs" => new SyntheticModel { Architecture = "llama", TiedOutput = true, RopeFrequencyFactors = true, Seed = 2 },
        "qwen2" => new SyntheticModel { Architecture = "qwen2", TiedOutput = true, RopeBase = 1_000_000f, Epsilon = 1e-6f, Seed = 3 },
        "qwen3" => new SyntheticModel { Architecture = "qwen3", HeadDim = 16, Seed = 4 }, // q width 64 ≠ dim 32
        // head size 16 at base 500000: with an original context of 64 the 8 pairs' wavelengths (6 to 9e5)
        // fall in all three of llama3's bands (kept, blended, slowed 8×)
        "llama3-rope-scaling" => new SyntheticModel { Architecture = "llama", HeadDim = 16, Heads = 2, KvHeads = 1, RopeBase = 500_000f, Llama3RopeOriginalContext = 64, Seed = 5 },
        // 7 layers: five local (window 3 < the 7-token prompt), one global (linear scaling 8), one local again
        "gemma3" => new SyntheticModel { Architecture = "gemma3", Layers = 7, HeadDim = 16, RopeBase = 1_000_000f, SlidingWindow = 3, RopeScalingFactor = 8, TiedOutput = true, Epsilon = 1e-6f, Seed = 6 },
        _ => throw new ArgumentException(name),
    };

    internal static Transformer Load(byte[] gguf, int threads = 2, KvCacheType kvCacheType = KvCacheType.F32) =>
        Transformer.Load(GgufFile.FromBytes(gguf), new EngineOptions { Threads = threads, MaxBatch = 4, KvCacheType = kvCacheType });

    internal static void AssertClose(IReadOnlyList<double> expected, ReadOnlySpan<float> actual, double tolerance, string where)
    {
        var scale = expected.Max(Math.Abs);
        for (var i = 0; i < expected.Count; i++)
        {
            var error = Math.Abs(actual[i] - expected[i]) / scale;
            Assert.True(error <= tolerance, $"{where}: logit {i} is {actual[i]}, reference {expected[i]} (relative error {error:g3} > {tolerance})");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void DecodingTokenByToken_MatchesTheReference(string name)
    {
        var synthetic = Make(name).Build();
        var reference = new ReferenceForward(synthetic);
        using var model = Load(synthetic.ToGguf());
        var sequence = model.CreateSequence();
        var logits = new float[synthetic.Vocab];

        foreach (var (token, step) in Prompt.Select((t, i) => (t, i)))
        {
            model.Decode(sequence, token, logits);
            AssertClose(reference.Next(token), logits, RelativeTolerance, $"{name} step {step}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void PrefillInChunks_MatchesTheReference(string name)
    {
        var synthetic = Make(name).Build();
        var reference = new ReferenceForward(synthetic);
        using var model = Load(synthetic.ToGguf()); // MaxBatch 4: the 7-token prompt takes two chunks
        var logits = new float[synthetic.Vocab];

        model.Prefill(model.CreateSequence(), Prompt, logits);

        double[] expected = [];
        foreach (var token in Prompt)
            expected = reference.Next(token);
        AssertClose(expected, logits, RelativeTolerance, name);
    }

    [Fact]
    public void MissingTensor_IsAFormatErrorNamingIt()
    {
        var synthetic = Make("qwen2").Build();
        synthetic.Weights.Remove("blk.1.attn_k.bias");

        var error = Assert.Throws<GgufFormatException>(() => Load(synthetic.ToGguf()).Dispose());

        Assert.Contains("'blk.1.attn_k.bias' is missing", error.Message);
    }

    [Fact]
    public void TensorOfTheWrongShape_IsAFormatErrorNamingIt()
    {
        var synthetic = Make("llama").Build();
        var gguf = synthetic.ToGguf();
        var bytes = GgufTestBytes.ReplaceMetadataUInt32(gguf, "llama.feed_forward_length", 40);

        var error = Assert.Throws<GgufFormatException>(() => Load(bytes).Dispose());

        Assert.Contains("'blk.0.ffn_gate.weight' has shape [32, 48], the architecture needs [32, 40]", error.Message);
    }

    [Fact]
    public void UnknownArchitecture_IsAFormatError()
    {
        var writer = new GgufWriter();
        writer.Add("general.architecture", "mamba");

        var error = Assert.Throws<GgufFormatException>(() => Transformer.Load(GgufFile.FromBytes(writer.ToBytes())).Dispose());

        Assert.Contains("Architecture 'mamba' is not supported", error.Message);
    }
}
