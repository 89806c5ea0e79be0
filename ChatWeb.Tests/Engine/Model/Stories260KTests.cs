using ChatWeb.Engine.Model;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>The real stories260K model against llama2.c's greedy run (../shared/models/SOURCES.md).</summary>
public sealed class Stories260KTests
{
    private const int Bos = 1;

    private static readonly int[] ReferenceIds =
    [
        403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292, 411,
        322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335,
        312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310, 439, 419, 357, 336, 432, 313, 438, 310, 432, 278, 316,
        439, 419, 298, 414, 267, 265, 282, 295, 433, 426, 436, 317, 286, 296, 418, 269, 279, 292, 416, 439, 413, 409, 416, 327, 263,
    ];

    private static Transformer Load(int threads = 2, KvCacheType kvCache = KvCacheType.F32) =>
        Transformer.Load(TestPaths.Model("stories260K", "stories260K.gguf"), new EngineOptions { Threads = threads, KvCacheType = kvCache });

    [Fact]
    public void FirstStepLogits_MatchTheReferenceTopFive()
    {
        using var model = Load();
        var sequence = model.CreateSequence();
        var logits = new float[model.Config.VocabSize];

        model.Prefill(sequence, [Bos], logits);

        var top = logits.Select((value, id) => (value, id)).OrderByDescending(p => p.value).Take(5).ToArray();
        (int Id, float Logit)[] expected = [(403, 17.023516f), (385, 15.406213f), (410, 13.108263f), (317, 12.769166f), (407, 12.418087f)];
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(expected[i].Id, top[i].id);
            Assert.Equal(expected[i].Logit, top[i].value, 1e-3f);
        }
    }

    [Theory]
    [InlineData(1, KvCacheType.F32)]
    [InlineData(2, KvCacheType.F32)]
    [InlineData(2, KvCacheType.F16)]
    [InlineData(2, KvCacheType.Q8_0)]
    public void GreedyFromBos_GeneratesTheReferenceIds(int threads, KvCacheType kvCache)
    {
        using var model = Load(threads, kvCache);
        var sequence = model.CreateSequence();
        var logits = new float[model.Config.VocabSize];
        var generated = new List<int>();

        model.Prefill(sequence, [Bos], logits);
        while (generated.Count < ReferenceIds.Length)
        {
            var next = Array.IndexOf(logits, logits.Max());
            generated.Add(next);
            model.Decode(sequence, next, logits);
        }

        Assert.Equal(ReferenceIds, generated);
    }

    [Fact]
    public void PromptProcessedAsOneBatch_EqualsTokenByToken()
    {
        using var model = Load();
        int[] prompt = [Bos, .. ReferenceIds[..30]];
        var batched = new float[model.Config.VocabSize];
        var stepwise = new float[model.Config.VocabSize];

        model.Prefill(model.CreateSequence(), prompt, batched);
        var sequence = model.CreateSequence();
        foreach (var token in prompt)
            model.Decode(sequence, token, stepwise);

        for (var i = 0; i < batched.Length; i++)
            Assert.Equal(stepwise[i], batched[i], 1e-4f);
    }
}
