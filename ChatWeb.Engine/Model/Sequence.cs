using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ChatWeb.Engine.Model;

/// <summary>
/// One conversation's state in a <see cref="Transformer"/>: its key/value cache and how many tokens
/// it holds. Create with <see cref="Transformer.CreateSequence"/>; each sequence has its own position.
/// </summary>
/// <remarks>
/// Each layer's cache is [kvDim, slot]: slots run fastest, so one dimension of one head over every
/// cached position is one contiguous span and attention works on long vectors. A full-attention layer
/// has a slot per position (slot = position). A sliding-window layer reads only the last
/// <c>window</c> positions, so it keeps a ring of <c>window + MaxBatch − 1</c> slots (slot = position
/// mod ring): enough for every row of one step to find its window after the whole step stored its
/// keys, and for <see cref="Truncate"/> to go back up to MaxBatch tokens. Slots are rounded up to a
/// multiple of 16 and an F32 cache starts on 64 bytes, so each dimension's row is cache-line aligned.
/// Values are stored as <see cref="KvCacheType"/> says; <see cref="Read"/> hands attention floats.
/// </remarks>
public sealed unsafe class Sequence
{
    private const int Q8Block = 32;
    private readonly int[] _slots;        // [layer] slots of the layer's ring (its capacity when not sliding)
    private readonly long[] _layerStart;  // [layer] element offset of the layer in the value arrays
    private readonly float[]? _keysF32, _valuesF32;    // F32:  [layer][kvDim, slot] from the origin below
    private readonly int _keyOrigin, _valueOrigin;     // F32: the first element of each array that lies on 64 bytes
    private readonly Half[]? _keysF16, _valuesF16;     // F16:  [layer][kvDim, slot]
    private readonly sbyte[]? _keysQ8, _valuesQ8;      // Q8_0: [layer][kvDim, slot]
    private readonly Half[]? _keyScales, _valueScales; // Q8_0: [layer][kvDim / 32, slot]

    internal Sequence(Transformer owner, ModelConfig config, int capacity, KvCacheType type, int maxBatch)
    {
        Owner = owner;
        Capacity = capacity;
        KvDim = config.KvDim;
        Type = type;
        MaxRewind = maxBatch;
        _slots = LayerSlots(config, capacity, maxBatch);
        _layerStart = new long[_slots.Length];
        long total = 0;
        for (var l = 0; l < _slots.Length; l++)
        {
            _layerStart[l] = total;
            total += (long)_slots[l] * KvDim;
        }
        var length = checked((int)total);
        switch (type)
        {
            case KvCacheType.F32:
                (_keysF32, _keyOrigin) = AlignedPinned(length);
                (_valuesF32, _valueOrigin) = AlignedPinned(length);
                break;
            case KvCacheType.F16:
                (_keysF16, _valuesF16) = (Pinned<Half>(length), Pinned<Half>(length));
                break;
            case KvCacheType.Q8_0:
                if (KvDim % Q8Block != 0)
                    throw new NotSupportedException($"KV cache type Q8_0 needs a key/value width that is a multiple of {Q8Block}; this model's is {KvDim}. Use F16.");
                (_keysQ8, _valuesQ8) = (Pinned<sbyte>(length), Pinned<sbyte>(length));
                (_keyScales, _valueScales) = (Pinned<Half>(length / Q8Block), Pinned<Half>(length / Q8Block));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    internal Transformer Owner { get; }
    internal int KvDim { get; }
    internal KvCacheType Type { get; }
    private int MaxRewind { get; }

    /// <summary>Most tokens this sequence can hold.</summary>
    public int Capacity { get; }

    /// <summary>Tokens processed so far: the position the next token takes.</summary>
    public int Length { get; internal set; }

    /// <summary>Forgets every token after the first <paramref name="length"/> (e.g. to undo a failed step).</summary>
    /// <remarks>A sliding-window layer's ring keeps only MaxBatch positions before the window, so a model with
    /// sliding layers can go back at most that many tokens.</remarks>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        if (!CanTruncate(length))
            throw new InvalidOperationException($"A sliding-window cache can go back at most {MaxRewind} tokens, not {Length - length}.");
        Length = length;
    }

    /// <summary>Whether the cache still holds what its first <paramref name="length"/> tokens need (a sliding-window ring has
    /// overwritten older positions once it went more than MaxBatch tokens past them).</summary>
    internal bool CanTruncate(int length) => length <= Length && (Length - length <= MaxRewind || _slots.All(s => s >= Capacity));

    /// <summary>
    /// Makes this sequence hold the first <paramref name="length"/> tokens of <paramref name="source"/> (a
    /// sequence of the same model with a smaller or larger capacity): copies the cached keys and values of
    /// the positions each layer keeps, so the next token continues exactly as it would in the source.
    /// </summary>
    internal void CopyFrom(Sequence source, int length)
    {
        if (!ReferenceEquals(source.Owner, Owner) || source.Type != Type || source._slots.Length != _slots.Length)
            throw new ArgumentException("The source sequence belongs to another model or cache type.", nameof(source));
        if (length > Capacity || !source.CanTruncate(length))
            throw new ArgumentOutOfRangeException(nameof(length), length, $"Cannot take {length} tokens of a sequence of {source.Length} into one of capacity {Capacity}.");
        for (var l = 0; l < _slots.Length; l++)
        {
            var (from, to) = (source._slots[l], _slots[l]);
            // the positions the source still holds that fit in this layer's slots (all of them unless a ring)
            var first = Math.Max(0, Math.Max(length - to, source.Length - from));
            var (sourceAt, at) = (source._layerStart[l], _layerStart[l]);
            switch (Type)
            {
                case KvCacheType.F32:
                    CopyPositions(source._keysF32!, source._keyOrigin + sourceAt, from, _keysF32!, _keyOrigin + at, to, KvDim, first, length);
                    CopyPositions(source._valuesF32!, source._valueOrigin + sourceAt, from, _valuesF32!, _valueOrigin + at, to, KvDim, first, length);
                    break;
                case KvCacheType.F16:
                    CopyPositions(source._keysF16!, sourceAt, from, _keysF16!, at, to, KvDim, first, length);
                    CopyPositions(source._valuesF16!, sourceAt, from, _valuesF16!, at, to, KvDim, first, length);
                    break;
                default:
                    CopyPositions(source._keysQ8!, sourceAt, from, _keysQ8!, at, to, KvDim, first, length);
                    CopyPositions(source._valuesQ8!, sourceAt, from, _valuesQ8!, at, to, KvDim, first, length);
                    CopyPositions(source._keyScales!, sourceAt / Q8Block, from, _keyScales!, at / Q8Block, to, KvDim / Q8Block, first, length);
                    CopyPositions(source._valueScales!, sourceAt / Q8Block, from, _valueScales!, at / Q8Block, to, KvDim / Q8Block, first, length);
                    break;
            }
        }
        Length = length;
    }

    /// <summary>Copies positions [first, end) of <paramref name="rows"/> rows laid out [row, slot] (slot = position mod slots) between two layers.</summary>
    private static void CopyPositions<T>(T[] source, long sourceAt, int sourceSlots, T[] target, long targetAt, int targetSlots, int rows, int first, int end)
    {
        for (var p = first; p < end;)
        {
            // a run of positions that wraps in neither ring
            var (s, t) = (p % sourceSlots, p % targetSlots);
            var run = Math.Min(end - p, Math.Min(sourceSlots - s, targetSlots - t));
            for (var r = 0; r < rows; r++)
                Array.Copy(source, sourceAt + (long)r * sourceSlots + s, target, targetAt + (long)r * targetSlots + t, run);
            p += run;
        }
    }

    /// <summary>Empties the sequence (its KV cache is reused from position 0).</summary>
    public void Reset() => Length = 0;

    /// <summary>Slots of each layer's cache for a sequence of <paramref name="capacity"/> tokens, rounded up to
    /// <see cref="Padded"/> so that every dimension's row of an F32 cache starts on 64 bytes (attention's vector loads
    /// of the positions from 0 stay within cache lines).</summary>
    internal static int[] LayerSlots(ModelConfig config, int capacity, int maxBatch)
    {
        var slots = new int[config.LayerCount];
        for (var l = 0; l < slots.Length; l++)
            slots[l] = Padded(config.IsSliding(l) ? (int)Math.Min(capacity, (long)config.SlidingWindow + maxBatch - 1) : capacity);
        return slots;
    }

    /// <summary>Bytes of keys and values of a sequence of <paramref name="capacity"/> tokens.</summary>
    internal static long Bytes(ModelConfig config, int capacity, KvCacheType type, int maxBatch)
    {
        var values = LayerSlots(config, capacity, maxBatch).Sum(s => (long)s) * config.KvDim;
        var bytes = type switch
        {
            KvCacheType.F32 => values * 4,
            KvCacheType.F16 => values * 2,
            _ => values + values / Q8Block * 2,
        };
        return 2 * bytes; // keys and values
    }

    /// <summary>Writes one token's key and value [kvDim] at <paramref name="position"/> of a layer.</summary>
    internal void Store(int layer, int position, ReadOnlySpan<float> key, ReadOnlySpan<float> value)
    {
        var slots = _slots[layer];
        var offset = _layerStart[layer] + position % slots;
        switch (Type)
        {
            case KvCacheType.F32:
                for (var d = 0; d < KvDim; d++, offset += slots)
                {
                    _keysF32![_keyOrigin + offset] = key[d];
                    _valuesF32![_valueOrigin + offset] = value[d];
                }
                break;
            case KvCacheType.F16:
                for (var d = 0; d < KvDim; d++, offset += slots)
                {
                    _keysF16![offset] = (Half)key[d];
                    _valuesF16![offset] = (Half)value[d];
                }
                break;
            default:
                var scaleOffset = _layerStart[layer] / Q8Block + position % slots;
                for (var b = 0; b < KvDim; b += Q8Block, scaleOffset += slots, offset += (long)Q8Block * slots)
                {
                    StoreQ8(key.Slice(b, Q8Block), _keysQ8!, offset, slots, _keyScales!, scaleOffset);
                    StoreQ8(value.Slice(b, Q8Block), _valuesQ8!, offset, slots, _valueScales!, scaleOffset);
                }
                break;
        }
    }

    /// <summary>Q8_0 as ggml quantizes a block: d = max|x| / 127, q = round(x / d), d kept in half precision.</summary>
    private static void StoreQ8(ReadOnlySpan<float> x, sbyte[] q, long offset, int stride, Half[] scales, long scaleOffset)
    {
        var d = TensorPrimitives.MaxMagnitude(x) is var m ? MathF.Abs(m) / 127f : 0f;
        var inverse = d == 0 ? 0 : 1 / d;
        for (var i = 0; i < x.Length; i++, offset += stride)
            q[offset] = (sbyte)MathF.Round(x[i] * inverse, MidpointRounding.AwayFromZero);
        scales[scaleOffset] = (Half)d;
    }

    /// <summary>Slots of a layer's ring (its capacity when the layer does not slide).</summary>
    internal int Slots(int layer) => _slots[layer];

    /// <summary>
    /// The keys and values of <paramref name="dims"/> dimensions from <paramref name="firstDim"/> (one
    /// key/value head) at positions [<paramref name="first"/>, first + count) of a layer, as floats laid
    /// out [dimension, position] <paramref name="stride"/> apart: straight into an F32 cache whose slots
    /// do not wrap, otherwise converted into <paramref name="keyScratch"/>/<paramref name="valueScratch"/>
    /// ([dims, <see cref="Padded"/>(count)] each; <paramref name="scaleScratch"/> [2 × count] for Q8_0).
    /// </summary>
    internal void Read(int layer, int firstDim, int dims, int first, int count,
        float* keyScratch, float* valueScratch, float* scaleScratch, out float* keys, out float* values, out int stride)
    {
        var slots = _slots[layer];
        var start = first % slots;
        var head = Math.Min(count, slots - start); // slots [start, start + head), then [0, count − head) when the ring wraps
        var row = _layerStart[layer] + (long)firstDim * slots;
        if (Type == KvCacheType.F32 && head == count)
        {
            keys = Address(_keysF32!, _keyOrigin + row + start);
            values = Address(_valuesF32!, _valueOrigin + row + start);
            stride = slots;
            return;
        }
        stride = Padded(count); // each dimension's row starts on 64 bytes of an aligned scratch
        for (var part = 0; part < 2; part++)
        {
            var (from, length, to) = part == 0 ? (start, head, 0) : (0, count - head, head);
            if (length == 0)
                continue;
            for (var d = 0; d < dims; d++)
            {
                var at = row + (long)d * slots + from;
                var k = new Span<float>(keyScratch + (long)d * stride + to, length);
                var v = new Span<float>(valueScratch + (long)d * stride + to, length);
                switch (Type)
                {
                    case KvCacheType.F32:
                        _keysF32.AsSpan(_keyOrigin + (int)at, length).CopyTo(k);
                        _valuesF32.AsSpan(_valueOrigin + (int)at, length).CopyTo(v);
                        break;
                    case KvCacheType.F16:
                        TensorPrimitives.ConvertToSingle(_keysF16.AsSpan((int)at, length), k);
                        TensorPrimitives.ConvertToSingle(_valuesF16.AsSpan((int)at, length), v);
                        break;
                    default:
                        // value = q · d, the block's scale d shared by 32 dimensions at each position
                        var keyScales = new Span<float>(scaleScratch, length);
                        var valueScales = new Span<float>(scaleScratch + count, length);
                        if (d == 0 || (firstDim + d) % Q8Block == 0)
                        {
                            var scaleAt = (int)(_layerStart[layer] / Q8Block + (long)(firstDim + d) / Q8Block * slots + from);
                            TensorPrimitives.ConvertToSingle(_keyScales.AsSpan(scaleAt, length), keyScales);
                            TensorPrimitives.ConvertToSingle(_valueScales.AsSpan(scaleAt, length), valueScales);
                        }
                        TensorPrimitives.ConvertTruncating<sbyte, float>(_keysQ8.AsSpan((int)at, length), k);
                        TensorPrimitives.Multiply(k, keyScales, k);
                        TensorPrimitives.ConvertTruncating<sbyte, float>(_valuesQ8.AsSpan((int)at, length), v);
                        TensorPrimitives.Multiply(v, valueScales, v);
                        break;
                }
            }
        }
        keys = keyScratch;
        values = valueScratch;
    }

    /// <summary>Positions rounded up to a multiple of 16 floats (64 bytes): the row length of a converted head and of a layer's slots.</summary>
    internal static int Padded(int positions) => (positions + 15) & ~15;

    private static T[] Pinned<T>(int length) where T : unmanaged => GC.AllocateArray<T>(length, pinned: true);

    // A pinned array with room for length floats from its first element on 64 bytes (the origin).
    private static (float[] Array, int Origin) AlignedPinned(int length)
    {
        var array = Pinned<float>(length + 16);
        var address = (nint)Address(array, 0);
        return (array, (int)((-address & 63) / sizeof(float)));
    }

    private static float* Address(float[] pinned, long index) =>
        (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned)) + index;
}
