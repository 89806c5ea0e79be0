using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>
/// A conversation's next turn continues from its kept KV cache (cut back to the shared prefix, or copied into
/// a larger sequence): the logits and greedy tokens are those of reading the whole prompt afresh.
/// </summary>
public sealed class SequenceReuseTests
{
    private const double Tolerance = 1e-5;
    private static readonly int[] Prefix = [3, 17, 5, 39, 0, 22, 8, 11, 30];
    private static readonly int[] OldEnd = [12, 13, 14];         // what the kept conversation went on with
    private static readonly int[] NewEnd = [25, 6, 1, 33, 7];    // what the new turn says instead

    public static TheoryData<string, KvCacheType> Models => new()
    {
        { "llama", KvCacheType.F32 },
        { "llama", KvCacheType.F16 },
        { "llama-kv32", KvCacheType.Q8_0 },
        { "gemma3", KvCacheType.F32 }, // sliding-window layers keep a ring
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void TruncatedToTheSharedPrefix_ContinuesAsAFreshPrefill(string name, KvCacheType type)
    {
        using var model = Load(name, type);
        var kept = model.CreateSequence(64);
        model.Prefill(kept, [.. Prefix, .. OldEnd], new float[model.VocabSize]);

        kept.Truncate(Prefix.Length);

        AssertSameContinuation(model, kept, name);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void CopiedIntoALargerSequence_ContinuesAsAFreshPrefill(string name, KvCacheType type)
    {
        using var model = Load(name, type);
        var kept = model.CreateSequence(Prefix.Length + OldEnd.Length); // smaller than a sliding layer's ring: no wrap there
        model.Prefill(kept, [.. Prefix, .. OldEnd], new float[model.VocabSize]);
        var larger = model.CreateSequence(64);

        larger.CopyFrom(kept, Prefix.Length);

        Assert.Equal(Prefix.Length, larger.Length);
        AssertSameContinuation(model, larger, name);
    }

    [Fact]
    public void CopiedFromASlidingRing_ContinuesAsAFreshPrefill()
    {
        using var model = Load("gemma3", KvCacheType.F32); // window 3, MaxBatch 4: the local layers keep a ring of 6
        var kept = model.CreateSequence(32);
        model.Prefill(kept, [.. Prefix, .. OldEnd], new float[model.VocabSize]); // 12 positions: the ring has wrapped
        var larger = model.CreateSequence(64);

        larger.CopyFrom(kept, Prefix.Length);

        AssertSameContinuation(model, larger, "gemma3 ring");
    }

    [Fact]
    public void SlidingRing_ThatNoLongerHoldsThePrefixWindow_IsNotCopied()
    {
        using var model = Load("gemma3", KvCacheType.F32);
        var kept = model.CreateSequence(32);
        model.Prefill(kept, [.. Prefix, .. OldEnd, .. NewEnd], new float[model.VocabSize]); // 17 positions, 8 past the prefix > MaxBatch 4

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.CreateSequence(64).CopyFrom(kept, Prefix.Length));

        Assert.Contains("Cannot take 9 tokens of a sequence of 17", error.Message);
    }

    /// <summary>Feeds <see cref="NewEnd"/> to <paramref name="resumed"/> and then 8 greedy tokens, beside a fresh sequence given the whole prompt.</summary>
    private static void AssertSameContinuation(Transformer model, Sequence resumed, string name)
    {
        var fresh = model.CreateSequence(64);
        var (expected, actual) = (new float[model.VocabSize], new float[model.VocabSize]);
        model.Prefill(fresh, [.. Prefix, .. NewEnd], expected);
        model.Prefill(resumed, NewEnd, actual);
        for (var step = 0; step < 8; step++)
        {
            AssertClose(expected, actual, $"{name} step {step}");
            var (next, resumedNext) = (Array.IndexOf(expected, expected.Max()), Array.IndexOf(actual, actual.Max()));
            Assert.Equal(next, resumedNext);
            model.Decode(fresh, next, expected);
            model.Decode(resumed, next, actual);
        }
        Assert.Equal(fresh.Length, resumed.Length);
    }

    private static void AssertClose(float[] expected, float[] actual, string where)
    {
        var scale = expected.Max(MathF.Abs);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(actual[i] - expected[i]) <= Tolerance * scale, $"{where}: logit {i} is {actual[i]}, fresh {expected[i]}");
    }

    private static Transformer Load(string name, KvCacheType type)
    {
        var synthetic = name == "llama-kv32"
            ? new SyntheticModel { Architecture = "llama", Dim = 64, Heads = 4, KvHeads = 2, HeadDim = 16 } // kvDim 32, as Q8_0 needs
            : ArchitectureTests.Make(name);
        return Transformer.Load(GgufFile.FromBytes(synthetic.Build().ToGguf()), new EngineOptions { Threads = 1, MaxBatch = 4, KvCacheType = type });
    }
}
