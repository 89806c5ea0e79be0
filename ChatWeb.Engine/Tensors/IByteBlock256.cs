using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// A 256-weight block type (<see cref="Q4_K"/>, <see cref="Q5_K"/>, <see cref="Q6_K"/>,
/// <see cref="Q3_K"/>, <see cref="Q2_K"/>, <see cref="IQ4_XS"/>) as the 8-bit activation kernels
/// (<see cref="ByteBlock256Kernels"/>) see it: weight n = d·s_k·q_n − dmin·m_k over 16 sub-blocks k
/// of 16 weights, with q_n a byte (unsigned 0..63, or signed for <see cref="SignedBytes"/> types)
/// and s_k, m_k small integers. Types with signed q stored as q + offset (Q6_K, Q3_K) say so with
/// m_k = offset·s_k and dmin = d.
/// </summary>
internal unsafe interface IByteBlock256<TSelf> : IQuantizedBlock<TSelf> where TSelf : unmanaged, IByteBlock256<TSelf>
{
    /// <summary>Whether q_n are signed bytes (the IQ4_XS table levels, −127..113); else unsigned, at most 63.</summary>
    static abstract bool SignedBytes { get; }

    /// <summary>The reference: the integer weight n (sub-block scale multiplied in), read one at a
    /// time from the packed block, so weight n = d·<see cref="WeightInteger"/> − dmin·<see cref="MinInteger"/>.</summary>
    static abstract int WeightInteger(TSelf* block, int n);

    /// <summary>The reference: the integer minimum of weight n's group (0 for types without minimums).</summary>
    static abstract int MinInteger(TSelf* block, int n);

    /// <summary>d of the reference form (<see cref="WeightInteger"/>).</summary>
    static abstract float Scale(TSelf* block);

    /// <summary>dmin of the reference form (0 for types without minimums).</summary>
    static abstract float MinScale(TSelf* block);

    /// <summary>Whether the type has minimums (m_k not all 0; <see cref="IQ4_XS"/> has none).</summary>
    static abstract bool HasMins { get; }

    /// <summary>The kernels' form, straight from the packed block (AVX2 code; called at the 256- and
    /// 512-bit levels): q of weights 32c..32c+31 as bytes in order.</summary>
    static abstract Vector256<byte> Chunk(TSelf* block, int c);

    /// <summary>The kernels' form: s_k of the 16 sub-blocks of 16 weights, evens then odds (s0, s2, …,
    /// s14 | s1, s3, …, s15: see <see cref="ByteBlock256Kernels"/>), and their m_k in order.</summary>
    static abstract Vector256<short> SubScales(TSelf* block, out Vector256<short> mins);

    /// <summary>dmin of the kernels' form: <see cref="MinScale"/>, or d for the types whose offset
    /// the kernels carry as minimums (<see cref="Q6_K"/>, <see cref="Q3_K"/>). d is <see cref="Scale"/>.</summary>
    static abstract float KernelMinScale(TSelf* block);
}

/// <summary>One 256-weight block unpacked for the batched tiles of <see cref="ByteBlock256Kernels"/>:
/// weight n = Scales[k]·q_n + Mins[k] over the 16 sub-blocks k of 16 weights.</summary>
[StructLayout(LayoutKind.Sequential, Size = 384)] // a multiple of 32: every block's vectors aligned
internal unsafe struct UnpackedBytes
{
    /// <summary>q_n (unsigned, or signed for IQ4_XS) in the interleaved order
    /// (<see cref="ByteBlock256Kernels.Interleave"/>): chunks 0–3 in bytes 0–127, chunks 4–7 in 128–255.</summary>
    public fixed byte Q[256];

    /// <summary>d·s_k in the lane order of the interleaved halves: 8 for chunks 0–3, then 8 for chunks 4–7.</summary>
    public fixed float Scales[16];

    /// <summary>−dmin·m_k per 16 weights, in order.</summary>
    public fixed float Mins[16];
}
