using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// Batch 1 (decoding) of the 32-weight types with one scale per block (<see cref="IByteBlock32{TSelf}"/>)
/// at the 512-bit level with AVX-512 VBMI: four blocks of two rows per step.
/// </summary>
/// <remarks>
/// A step reads the four blocks (4 × sizeof(T) bytes) as two overlapping 64-byte loads; one vpermt2b
/// picks their 64 bytes of nibbles (block k's at bytes 16k..16k+15), giving the four blocks' weights
/// 0..15 in one register (low nibbles) and 16..31 in another (high nibbles). Q5_0/Q5_1 add the fifth
/// bits: a vpermt2b puts block k's 32-bit qh, twice, into qwords 2k and 2k+1, and one vpmultishiftqb
/// per register rotates each weight's bit to bit 4. IQ4_NL maps the nibbles through its table
/// (vpshufb) and moves the weights' signs onto x. vpmaddubsw with x (laid out once per call to
/// match, <see cref="Prepare{T}"/>) and vpmaddwd by ones leave int32 lanes 4k..4k+3 for block k; a
/// vpermt2b moves each block's half-precision d (and m) into the top of its four lanes, where a shift
/// and a mask make them floats (as <see cref="F16.ToUnbiasedSingle"/>), times x's side. The
/// 256-bit form (<see cref="ByteBlock32Kernels"/>) converts two blocks' scales per step and dots one
/// block per register: about 17 instructions a block against about 7 here.
/// </remarks>
internal static unsafe class ByteBlock32Groups
{
    private const int Weights = 32;
    public const int GroupBlocks = 4;
    private const int PrefetchDistance = 8192;

    [ThreadStatic] private static sbyte[]? t_values;
    [ThreadStatic] private static short[]? t_pairSums;
    [ThreadStatic] private static float[]? t_scales;
    [ThreadStatic] private static float[]? t_minScales;

    /// <summary>Whether this CPU runs these kernels.</summary>
    public static bool IsSupported => Avx512Vbmi.IsSupported;

    /// <summary>x of <paramref name="count"/> blocks laid out per group of four blocks (the whole
    /// groups only): 128 bytes, weights 0..15 of the four blocks then their weights 16..31; 32 int16
    /// Offset·(pair sums) matching vpmaddubsw's lanes over both halves added; 16 floats
    /// d_x·2^112 of block i/4 in lane i; and for types with a minimum 16 floats d_x·Σx·2^112/4.</summary>
    public static Groups Prepare<T>(ByteActivations x, int count) where T : unmanaged, IByteBlock32<T>
    {
        var groups = count / GroupBlocks;
        var values = Scratch(ref t_values, groups * GroupBlocks * Weights);
        var pairs = T.Offset != 0 ? Scratch(ref t_pairSums, groups * Weights) : null;
        var scales = Scratch(ref t_scales, groups * 16);
        var minScales = T.HasMin ? Scratch(ref t_minScales, groups * 16) : null;
        var xq = x.Values(0);
        var xd = x.Scales(0);
        var xs = x.Sums(0);
        for (var g = 0; g < groups; g++)
        {
            var v = values + g * GroupBlocks * Weights;
            for (var k = 0; k < GroupBlocks; k++)
            {
                var i = g * GroupBlocks + k;
                var block = xq + i * Weights;
                Vector128.Load(block).Store(v + 16 * k);
                Vector128.Load(block + 16).Store(v + 64 + 16 * k);
                for (var lane = 0; lane < 4; lane++)
                {
                    scales[g * 16 + 4 * k + lane] = xd[i] * F16.Rebias;
                    if (T.HasMin)
                        minScales[g * 16 + 4 * k + lane] = xd[i] * xs[i] * (F16.Rebias / 4);
                }
            }
            if (T.Offset != 0)
            {
                var offset = Vector512.Create((byte)T.Offset);
                (Avx512BW.MultiplyAddAdjacent(offset, Vector512.Load(v)) + Avx512BW.MultiplyAddAdjacent(offset, Vector512.Load(v + 64)))
                    .Store(pairs + g * Weights);
            }
        }
        return new Groups(values, pairs, scales, minScales);
    }

    public readonly struct Groups(sbyte* values, short* pairSums, float* scales, float* minScales)
    {
        public sbyte* Values { get; } = values;
        public short* PairSums { get; } = pairSums;
        public float* Scales { get; } = scales;
        public float* MinScales { get; } = minScales;
    }

    /// <summary>y[r] = the dot of the first count / 4 · 4 blocks of row r with x, for the
    /// <paramref name="rows"/> rows at <paramref name="w"/>.</summary>
    /// <remarks>Two rows per step: each x vector is loaded once for both, and every line of both is
    /// prefetched <see cref="PrefetchDistance"/> bytes ahead (Q4_0 4864×896 from memory, one thread,
    /// busy host: one row at a time with a prefetch per 72 bytes, 1 KB ahead, read ~11–18 GB/s; two
    /// rows, every line, 4 KB ahead, 16–20; the hardware prefetcher alone does not keep up). 8 KB ahead
    /// against 4 KB, Qwen2.5-0.5B-shaped Q4_0 file, one thread, alternated: about 5% more tokens/s; 2 KB: 10% fewer.
    /// A row of 896 weights is only seven groups, so what surrounds them counts: all rows in one call (the type's byte
    /// indices loaded once) and the two rows' sums reduced together.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DotRows<T>(T* w, int count, int rows, Groups x, float* y) where T : unmanaged, IByteBlock32<T>
    {
        // The type's byte indices, read once (the JIT compiles this before Layout<T> is initialized,
        // so its fields are not constants here).
        var layout = new Indices(Layout<T>.Nibbles, Layout<T>.ScaleBytes, Layout<T>.MinBytes, Layout<T>.FifthBits,
            Layout<T>.FifthLow, Layout<T>.FifthHigh, Layout<T>.Table);
        var groups = count / GroupBlocks;
        for (var r = 0; r < rows; r += 2)
        {
            var w0 = w + (long)r * count;
            var w1 = r + 1 < rows ? w0 + count : w0; // a last odd row twice
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            var xv = x.Values;
            var xp = x.PairSums;
            var xs = x.Scales;
            var xm = x.MinScales;
            for (var g = 0; g < groups; g++, w0 += GroupBlocks, w1 += GroupBlocks, xv += GroupBlocks * Weights, xp += Weights, xs += 16, xm += 16)
            {
                Prefetch((byte*)w0 + PrefetchDistance);
                Prefetch((byte*)w1 + PrefetchDistance);
                var low = Vector512.Load(xv);
                var high = Vector512.Load(xv + 64);
                var pairs = T.Offset != 0 && !T.SignedBytes ? Vector512.Load(xp) : default;
                var scales = Vector512.Load(xs);
                var minScales = T.HasMin ? Vector512.Load(xm) : default;
                acc0 = Group(w0, in layout, low, high, pairs, scales, minScales, acc0);
                acc1 = Group(w1, in layout, low, high, pairs, scales, minScales, acc1);
            }
            var sums = Block32Kernels.Sum2(acc0, acc1);
            y[r] = sums.ToScalar();
            if (r + 1 < rows)
                y[r + 1] = sums.GetElement(1);
        }
    }

    // The lines of one group (4·sizeof(T) ≤ 96 bytes: two lines cover each step's advance).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(byte* at)
    {
        Sse.Prefetch0(at);
        Sse.Prefetch0(at + 64);
    }

    // acc + one group of four blocks of one row against x's vectors for the group.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Group<T>(T* w, in Indices layout, Vector512<sbyte> xLow, Vector512<sbyte> xHigh, Vector512<short> pairSums,
        Vector512<float> scales, Vector512<float> minScales, Vector512<float> acc) where T : unmanaged, IByteBlock32<T>
    {
        var mask = Vector512.Create((byte)0xF);
        var ones = Vector512.Create((short)1);
        var first = Vector512.Load((byte*)w);
        var second = Vector512.Load((byte*)w + (GroupBlocks * sizeof(T) - 64)); // the group's last 64 bytes
        var bytes = Avx512Vbmi.PermuteVar64x8x2(first, layout.Nibbles, second);
        var low = bytes & mask;
        var high = Avx512BW.ShiftRightLogical(bytes.AsUInt16(), 4).AsByte() & mask;
        if (typeof(T) == typeof(Q5_0) || typeof(T) == typeof(Q5_1)) // the fifth bits: 4 bytes just before the nibbles
        {
            var fifth = Vector512.Create((byte)0x10);
            var qh = Avx512Vbmi.PermuteVar64x8x2(first, layout.FifthBits, second).AsUInt64();
            low |= Avx512Vbmi.MultiShift(layout.FifthLow, qh) & fifth;
            high |= Avx512Vbmi.MultiShift(layout.FifthHigh, qh) & fifth;
        }
        Vector512<int> sums;
        if (T.SignedBytes)
        {
            low = Avx512BW.Shuffle(layout.Table, low);
            high = Avx512BW.Shuffle(layout.Table, high);
            sums = Avx512BW.MultiplyAddAdjacent(SignedProducts(low, xLow), ones)
                 + Avx512BW.MultiplyAddAdjacent(SignedProducts(high, xHigh), ones);
        }
        else
        {
            var pairs = Avx512BW.MultiplyAddAdjacent(low, xLow) + Avx512BW.MultiplyAddAdjacent(high, xHigh);
            if (T.Offset != 0)
                pairs -= pairSums;
            sums = Avx512BW.MultiplyAddAdjacent(pairs, ones);
        }
        acc = Avx512F.FusedMultiplyAdd(Avx512F.ConvertToVector512Single(sums), Halves(Avx512Vbmi.PermuteVar64x8x2(first, layout.ScaleBytes, second)) * scales, acc);
        return T.HasMin ? Avx512F.FusedMultiplyAdd(Halves(Avx512Vbmi.PermuteVar64x8x2(first, layout.MinBytes, second)), minScales, acc) : acc;
    }

    // Pair sums of |q|·(x with q's sign): q·x for signed q with vpmaddubsw (unsigned × signed).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<short> SignedProducts(Vector512<byte> q, Vector512<sbyte> x)
    {
        var signed = q.AsSByte();
        var negative = Vector512.LessThan(signed, Vector512<sbyte>.Zero);
        return Avx512BW.MultiplyAddAdjacent(Vector512.Abs(signed).AsByte(), Vector512.ConditionalSelect(negative, -x, x));
    }

    // Lanes whose top 16 bits hold a half: the float times 2^−112 (as F16.ToUnbiasedSingle).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halves(Vector512<byte> top)
    {
        var bits = top.AsUInt32();
        return Avx512F.TernaryLogic(Avx512F.ShiftRightLogical(bits, 3) & Vector512.Create(0x0FFF_E000u), bits, Vector512.Create(0x8000_0000u), 0xF8).AsSingle(); // a | (b & c)
    }

    private static TElement* Scratch<TElement>(ref TElement[]? array, int length) where TElement : unmanaged
    {
        if (array is null || array.Length < length)
            array = GC.AllocateUninitializedArray<TElement>(Math.Max(length, 64), pinned: true);
        return (TElement*)Unsafe.AsPointer(ref array[0]);
    }

    private readonly record struct Indices(Vector512<byte> Nibbles, Vector512<byte> ScaleBytes, Vector512<byte> MinBytes,
        Vector512<byte> FifthBits, Vector512<byte> FifthLow, Vector512<byte> FifthHigh, Vector512<byte> Table);

    // The byte indices of one type's group of four blocks for vpermt2b: offsets 0..63 address the first
    // load, the rest the second (which starts at 4·sizeof(T) − 64).
    private static class Layout<T> where T : unmanaged, IByteBlock32<T>
    {
        private static readonly int Size = sizeof(T);
        private static readonly int SecondLoad = GroupBlocks * sizeof(T) - 64;

        // Byte 16k + j ← nibble byte j of block k (the last 16 bytes of a block).
        public static readonly Vector512<byte> Nibbles = Index(n => Size * (n / 16) + Size - 16 + n % 16);

        // Lane i (block i / 4): bytes 2 and 3 ← the block's d (its first two bytes); bytes 0 and 1 anything.
        public static readonly Vector512<byte> ScaleBytes = Index(n => Size * (n / 16) + (n % 4 == 3 ? 1 : 0));

        // The same for m (bytes 2 and 3 of Q4_1 and Q5_1 blocks).
        public static readonly Vector512<byte> MinBytes = Index(n => Size * (n / 16) + 2 + (n % 4 == 3 ? 1 : 0));

        // Qwords 2k and 2k + 1 ← block k's 32 fifth bits, twice.
        public static readonly Vector512<byte> FifthBits = Index(n => Size * (n / 16) + Size - 20 + n % 4);

        // Byte p of qword q holds weight j = 8·(q mod 2) + p of its half: the bits from j + 28 on put
        // bit j + 32 (the upper copy of bit j) at bit 4; weights 16 + j from j + 44 on.
        public static readonly Vector512<byte> FifthLow = Vector512.Create(Bytes(n => 8 * (n / 8 % 2) + n % 8 + 28));
        public static readonly Vector512<byte> FifthHigh = Vector512.Create(Bytes(n => 8 * (n / 8 % 2) + n % 8 + 44));

        // IQ4_NL's levels in each 128-bit lane (vpshufb).
        public static readonly Vector512<byte> Table = Vector512.Create(Vector128.Create(IQ4_NL.Levels).AsByte());

        private static Vector512<byte> Index(Func<int, int> at) => Vector512.Create(Bytes(n =>
        {
            var offset = at(n);
            return offset < 64 ? offset : 64 + offset - SecondLoad;
        }));

        private static byte[] Bytes(Func<int, int> at)
        {
            var bytes = new byte[64];
            for (var n = 0; n < 64; n++)
                bytes[n] = (byte)at(n);
            return bytes;
        }
    }
}
