using ChatWeb.Engine.Model;
using ChatWeb.Engine.Sampling;

namespace ChatWeb.Tests.Engine.Model;

public sealed class AllocationTests
{
    [Fact]
    public void DecodingAndSampling_AllocateNothingPerToken()
    {
        // one thread, so every step runs on this thread and its allocations are all counted
        using var model = Transformer.Load(TestPaths.Model("stories260K", "stories260K.gguf"), new EngineOptions { Threads = 1 });
        var sequence = model.CreateSequence();
        var logits = new float[model.Config.VocabSize];
        var sampler = new Sampler(new SamplerOptions { Temperature = 0.8f, TopK = 40, TopP = 0.95f, MinP = 0.05f, RepetitionPenalty = 1.1f, Seed = 1 }, logits.Length);
        var history = new int[64];
        model.Prefill(sequence, [1, .. Enumerable.Range(0, 299).Select(i => 3 + i % 500)], logits); // 300 positions: past any small initial buffer
        var token = sampler.Sample(logits, history); // warm-up: per-thread scratch, the heap of top-k

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 50; i++)
        {
            model.Decode(sequence, token, logits);
            token = sampler.Sample(logits, history);
            history[i] = token;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }
}
