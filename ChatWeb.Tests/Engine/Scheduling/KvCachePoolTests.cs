using ChatWeb.Engine.Model;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>The pool's memory rules around kept conversations, where the scheduler cannot easily be steered there.</summary>
public sealed class KvCachePoolTests
{
    [Fact]
    public void KeptConversationTooSmall_WithNoRoomForACopy_GivesWayAndTheWholePromptIsRead()
    {
        using var model = Transformer.Load(TestPaths.Model("stories260K", "stories260K.gguf"), new EngineOptions { Threads = 1 });
        var budget = model.KvCacheBytes(256) + model.KvCacheBytes(512) - 1; // one cache of each size, not both
        var pool = new KvCachePool(model, budget, maxCapacity: 512);
        int[] firstTurn = [.. Enumerable.Range(1, 100)];
        Assert.True(pool.TryRent("alice", firstTurn, 200, out var first));
        model.Prefill(first.Sequence, firstTurn, new float[model.VocabSize]);
        pool.Return(first.Sequence, "alice", firstTurn);

        int[] nextTurn = [.. firstTurn, 200, 201];
        Assert.True(pool.TryRent("alice", nextTurn, 400, out var next)); // needs a 512-token cache: the 256 one cannot stay beside it

        Assert.Equal((0, null, 512), (next.ReusedTokens, next.CopyFrom, next.Sequence.Capacity));
        Assert.Equal(0, next.Sequence.Length);
        Assert.True(pool.AllocatedBytes <= budget);
    }

    [Fact]
    public void KeptConversationTooSmall_IsHandedOverForCopying_WhenTheBudgetHoldsBoth()
    {
        using var model = Transformer.Load(TestPaths.Model("stories260K", "stories260K.gguf"), new EngineOptions { Threads = 1 });
        var budget = model.KvCacheBytes(256) + model.KvCacheBytes(512);
        var pool = new KvCachePool(model, budget, maxCapacity: 512);
        int[] firstTurn = [.. Enumerable.Range(1, 100)];
        Assert.True(pool.TryRent("alice", firstTurn, 200, out var first));
        model.Prefill(first.Sequence, firstTurn, new float[model.VocabSize]);
        pool.Return(first.Sequence, "alice", firstTurn);

        Assert.True(pool.TryRent("alice", [.. firstTurn, 200, 201], 400, out var next));

        Assert.Equal((100, 512), (next.ReusedTokens, next.Sequence.Capacity));
        Assert.Same(first.Sequence, next.CopyFrom);
        Assert.Equal(budget, pool.InUseBytes); // the kept one counts until it is released
        next.Sequence.CopyFrom(next.CopyFrom!, next.ReusedTokens);
        pool.Release(next.CopyFrom!);
        Assert.Equal(model.KvCacheBytes(512), pool.InUseBytes);
    }
}
