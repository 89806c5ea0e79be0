using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>A prompt's rows, attended in tiles of several rows, give the logits of the same tokens decoded
/// one at a time (each row alone through the per-row kernels), after a history that was itself decoded.</summary>
public sealed class PromptAttentionTests
{
    private static readonly int[] History = [5, 9, 2, 30, 31, 7, 1, 0, 12];
    private static readonly int[] Prompt = [3, 17, 5, 39, 0, 22, 8, 8, 11, 2, 19]; // 11 rows: tiles of 4, 4 and 3

    [Theory]
    [InlineData("qwen3", KvCacheType.F32)]
    [InlineData("qwen3", KvCacheType.F16)]
    [InlineData("qwen3", KvCacheType.Q8_0)]
    [InlineData("gemma3", KvCacheType.F16)] // sliding window 3: each row of a tile sees its own part of the span
    [InlineData("gemma3", KvCacheType.Q8_0)]
    public void PromptInTiles_EqualsTheSameTokensDecodedOneByOne(string name, KvCacheType type)
    {
        var synthetic = ArchitectureTests.Make(name).Build();
        var gguf = synthetic.ToGguf();
        var vocab = synthetic.Vocab;
        using var model = Transformer.Load(GgufFile.FromBytes(gguf), new EngineOptions { Threads = 2, MaxBatch = 16, KvCacheType = type });
        var (oneByOne, tiled) = (model.CreateSequence(64), model.CreateSequence(64));
        var expected = new float[vocab];
        foreach (var token in History.Concat(Prompt))
            model.Decode(oneByOne, token, expected);
        foreach (var token in History)
            model.Decode(tiled, token, new float[vocab]);

        var actual = new float[vocab];
        model.Prefill(tiled, Prompt, actual);

        for (var i = 0; i < vocab; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4f * Math.Max(1f, Math.Abs(expected[i])),
                $"{name} {type} logit {i}: one by one {expected[i]}, in tiles {actual[i]}");
    }
}
