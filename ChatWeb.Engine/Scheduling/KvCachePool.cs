using ChatWeb.Engine.Model;

namespace ChatWeb.Engine.Scheduling;

/// <summary>
/// The key/value caches of running generations within a memory budget. A finished generation's
/// sequence comes back here and is handed to the next request that fits in it, so steady traffic
/// allocates no new caches; when a new cache would break the budget, idle ones are dropped first.
/// Used by the scheduler's loop thread only.
/// </summary>
internal sealed class KvCachePool(IStepEngine engine, long budgetBytes, int maxCapacity)
{
    private const int Block = 256; // capacities are rounded up to whole blocks of tokens so caches can be reused

    private readonly List<Sequence> _idle = [];

    public long BudgetBytes => budgetBytes;

    /// <summary>Bytes of the caches that running generations hold.</summary>
    public long InUseBytes { get; private set; }

    /// <summary>Bytes of all caches allocated: in use and idle.</summary>
    public long AllocatedBytes => InUseBytes + _idle.Sum(s => Bytes(s.Capacity));

    /// <summary>The capacity a request of <paramref name="tokens"/> tokens gets.</summary>
    public int CapacityFor(int tokens) => Math.Min(maxCapacity, (tokens + Block - 1) / Block * Block);

    public long Bytes(int capacity) => engine.KvCacheBytes(capacity);

    /// <summary>An empty sequence holding at least <paramref name="tokens"/> tokens, or false when the budget has no room now.</summary>
    public bool TryRent(int tokens, out Sequence sequence)
    {
        Sequence? best = null;
        foreach (var idle in _idle)
        {
            if (idle.Capacity >= tokens && (best is null || idle.Capacity < best.Capacity))
                best = idle;
        }
        if (best is not null)
        {
            _idle.Remove(best);
            best.Reset();
            InUseBytes += Bytes(best.Capacity);
            sequence = best;
            return true;
        }

        var capacity = CapacityFor(tokens);
        var needed = Bytes(capacity);
        if (InUseBytes + needed > budgetBytes)
        {
            sequence = null!;
            return false;
        }
        while (_idle.Count > 0 && AllocatedBytes + needed > budgetBytes)
            _idle.RemoveAt(_idle.Count - 1); // dropped: the garbage collector takes it back
        sequence = engine.CreateSequence(capacity);
        InUseBytes += needed;
        return true;
    }

    public void Return(Sequence sequence)
    {
        InUseBytes -= Bytes(sequence.Capacity);
        _idle.Add(sequence);
    }
}
