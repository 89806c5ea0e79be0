using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>What each KV cache type costs, and that the sliding window bounds the cache of the layers that use it.</summary>
public sealed class KvCacheTests
{
    [Fact]
    public void SmallerTypes_TakeHalfAndAboutAQuarterOfF32()
    {
        var synthetic = new SyntheticModel { Architecture = "llama", Dim = 64, Heads = 4, KvHeads = 2, HeadDim = 16 }.Build(); // kvDim 32
        var gguf = synthetic.ToGguf();
        long Bytes(KvCacheType type)
        {
            using var model = Transformer.Load(ChatWeb.Engine.Gguf.GgufFile.FromBytes(gguf), new EngineOptions { Threads = 1, KvCacheType = type });
            return model.KvCacheBytes(1000);
        }

        var f32 = Bytes(KvCacheType.F32);

        Assert.Equal(2L * 2 * 1008 * 32 * 4, f32); // keys and values × 2 layers × 1000 positions (1008 slots: 64-byte rows) × kvDim 32 × 4 bytes
        Assert.Equal(f32 / 2, Bytes(KvCacheType.F16));
        Assert.Equal(f32 * 34 / 128, Bytes(KvCacheType.Q8_0)); // 34 bytes per 32 values
    }

    [Fact]
    public void Q8_0Cache_OnAModelWhoseKeyWidthIsNotAMultipleOf32_IsRefusedSayingWhy()
    {
        var gguf = ArchitectureTests.Make("llama").Build().ToGguf(); // kvDim 16

        var error = Assert.Throws<NotSupportedException>(() =>
            Transformer.Load(ChatWeb.Engine.Gguf.GgufFile.FromBytes(gguf), new EngineOptions { Threads = 1, KvCacheType = KvCacheType.Q8_0 }));

        Assert.Contains("KV cache type Q8_0 needs a key/value width that is a multiple of 32; this model's is 16", error.Message);
    }

    [Fact]
    public void SlidingWindowLayers_KeepOnlyTheirWindowPlusOneStep()
    {
        // gemma3: layers 0-4 and 6 slide (window 3), layer 5 is global; steps of at most 4 tokens
        var gguf = ArchitectureTests.Make("gemma3").Build().ToGguf();
        using var model = Transformer.Load(ChatWeb.Engine.Gguf.GgufFile.FromBytes(gguf), new EngineOptions { Threads = 1, MaxBatch = 4 });

        var bytes = model.KvCacheBytes(1000);

        Assert.Equal(2L * (1 * 1008 + 6 * 16) * model.Config.KvDim * 4, bytes); // 1000 and 3 + 4 − 1 slots rounded up to 16
    }

    [Fact]
    public void SlidingWindowSequence_RefusesToGoBackFurtherThanItsRingKeeps()
    {
        var gguf = ArchitectureTests.Make("gemma3").Build().ToGguf();
        using var model = Transformer.Load(ChatWeb.Engine.Gguf.GgufFile.FromBytes(gguf), new EngineOptions { Threads = 1, MaxBatch = 4 });
        var sequence = model.CreateSequence(64);
        model.Prefill(sequence, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], new float[model.VocabSize]);

        sequence.Truncate(6); // 4 back: what one step can have added

        Assert.Throws<InvalidOperationException>(() => sequence.Truncate(1));
        Assert.Equal(6, sequence.Length);
    }
}
