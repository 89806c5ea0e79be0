using ChatWeb.Engine.Model;

namespace ChatWeb.Engine.Scheduling;

/// <summary>
/// The key/value caches of running generations within a memory budget, and each owner's last
/// conversation kept for its next turn. A finished generation's sequence comes back here with its
/// owner and tokens (prompt and answer): that owner's next request whose prompt starts with the same
/// tokens takes it back and only reads the rest (<see cref="Rental.ReusedTokens"/>). Any other request
/// gets a cache nobody keeps, a new one while the budget allows, or else the least recently used kept
/// one; when a new cache would break the budget, caches nobody keeps are dropped first, then kept ones,
/// least recently used first. Used by the scheduler's loop thread only.
/// </summary>
internal sealed class KvCachePool(IStepEngine engine, long budgetBytes, int maxCapacity)
{
    private const int Block = 256; // capacities are rounded up to whole blocks of tokens so caches can be reused

    private readonly List<Idle> _idle = [];
    private long _clock; // orders kept caches by last use

    public long BudgetBytes => budgetBytes;

    /// <summary>Bytes of the caches that running generations hold.</summary>
    public long InUseBytes { get; private set; }

    /// <summary>Bytes of all caches allocated: in use and idle (kept or not).</summary>
    public long AllocatedBytes => InUseBytes + _idle.Sum(i => Bytes(i.Sequence.Capacity));

    /// <summary>The capacity a request of <paramref name="tokens"/> tokens gets.</summary>
    public int CapacityFor(int tokens) => Math.Min(maxCapacity, (tokens + Block - 1) / Block * Block);

    public long Bytes(int capacity) => engine.KvCacheBytes(capacity);

    /// <summary>
    /// A sequence holding at least <paramref name="tokens"/> tokens for <paramref name="owner"/>'s request of
    /// <paramref name="prompt"/>, or false when the budget has no room now. When the owner's kept conversation
    /// shares a prefix with the prompt, the rental starts with that prefix in its cache; if the kept sequence
    /// is too small, <see cref="Rental.CopyFrom"/> holds it until the caller has copied it over
    /// (<see cref="Sequence.CopyFrom"/>, outside the scheduler's lock) and given it back with <see cref="Release"/>.
    /// </summary>
    public bool TryRent(string owner, int[] prompt, int tokens, out Rental rental)
    {
        var kept = _idle.FindIndex(i => i.Owner == owner);
        if (kept >= 0)
        {
            var entry = _idle[kept];
            var reused = Math.Min(CommonPrefix(entry.Tokens, prompt), prompt.Length - 1); // the last prompt token is read again for its logits
            if (reused > 0 && entry.Sequence.CanTruncate(reused))
            {
                _idle.RemoveAt(kept);
                if (entry.Sequence.Capacity >= tokens)
                {
                    entry.Sequence.Truncate(reused);
                    InUseBytes += Bytes(entry.Sequence.Capacity);
                    rental = new Rental(entry.Sequence, reused, null);
                    return true;
                }
                // too small for this turn: a larger cache takes its prefix over; it counts as in use until released
                InUseBytes += Bytes(entry.Sequence.Capacity);
                if (TryRent(tokens, out var larger))
                {
                    rental = new Rental(larger, reused, entry.Sequence);
                    return true;
                }
                // no room for both: the kept conversation becomes a cache like any other, and the whole prompt is read
                InUseBytes -= Bytes(entry.Sequence.Capacity);
                (entry.Owner, entry.Tokens) = (null, []);
                _idle.Add(entry);
            }
        }
        var ok = TryRent(tokens, out var sequence);
        rental = new Rental(sequence, 0, null);
        return ok;
    }

    /// <summary>An empty sequence holding at least <paramref name="tokens"/> tokens, or false when the budget has no room now.</summary>
    private bool TryRent(int tokens, out Sequence sequence)
    {
        // a cache nobody keeps: the smallest that fits
        Idle? best = null;
        foreach (var idle in _idle)
        {
            if (idle.Owner is null && idle.Sequence.Capacity >= tokens && (best is null || idle.Sequence.Capacity < best.Sequence.Capacity))
                best = idle;
        }
        if (best is not null)
            return Take(best, out sequence);

        var capacity = CapacityFor(tokens);
        var needed = Bytes(capacity);
        if (InUseBytes + needed > budgetBytes)
        {
            sequence = null!;
            return false;
        }
        // a new cache, making room by dropping idle caches: those nobody keeps, then kept ones least recently used
        // first, taking over the first kept one that is large enough
        while (AllocatedBytes + needed > budgetBytes)
        {
            var victim = _idle.Find(i => i.Owner is null) ?? _idle.MinBy(i => i.LastUse)!;
            if (victim.Owner is not null && victim.Sequence.Capacity >= tokens)
                return Take(victim, out sequence);
            _idle.Remove(victim); // dropped: the garbage collector takes it back
        }
        sequence = engine.CreateSequence(capacity);
        InUseBytes += needed;
        return true;
    }

    private bool Take(Idle idle, out Sequence sequence)
    {
        _idle.Remove(idle);
        idle.Sequence.Reset();
        InUseBytes += Bytes(idle.Sequence.Capacity);
        sequence = idle.Sequence;
        return true;
    }

    /// <summary>
    /// A finished generation's sequence comes back. With an <paramref name="owner"/>, it is kept as that owner's
    /// last conversation, <paramref name="tokens"/> being what its cache holds (the owner's earlier kept one, if
    /// any, becomes a cache nobody keeps).
    /// </summary>
    public void Return(Sequence sequence, string? owner = null, ReadOnlySpan<int> tokens = default)
    {
        if (tokens.Length != (owner is null ? 0 : sequence.Length))
            throw new ArgumentException($"A kept sequence of {sequence.Length} tokens comes back with {tokens.Length} tokens.", nameof(tokens));
        InUseBytes -= Bytes(sequence.Capacity);
        if (owner is not null && tokens.Length > 0)
        {
            foreach (var idle in _idle)
            {
                if (idle.Owner == owner)
                    (idle.Owner, idle.Tokens) = (null, []);
            }
            _idle.Add(new Idle(sequence) { Owner = owner, Tokens = tokens.ToArray(), LastUse = ++_clock });
        }
        else
        {
            _idle.Add(new Idle(sequence));
        }
    }

    /// <summary>Gives back a kept sequence whose prefix was copied into a larger one: idle for anyone, or dropped if the budget is spent.</summary>
    public void Release(Sequence copied)
    {
        InUseBytes -= Bytes(copied.Capacity);
        if (AllocatedBytes + Bytes(copied.Capacity) <= budgetBytes)
            _idle.Add(new Idle(copied));
    }

    private static int CommonPrefix(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.CommonPrefixLength(b);

    /// <summary>A sequence for a request: how many of its prompt's tokens are already in the cache, and a kept sequence to copy them from first.</summary>
    public readonly record struct Rental(Sequence Sequence, int ReusedTokens, Sequence? CopyFrom);

    /// <summary>An idle cache, kept for <see cref="Owner"/>'s next turn (with the tokens it holds), or for anyone when Owner is null.</summary>
    private sealed class Idle(Sequence sequence)
    {
        public Sequence Sequence { get; } = sequence;
        public string? Owner { get; set; }
        public int[] Tokens { get; set; } = [];
        public long LastUse { get; init; }
    }
}
