using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// A 32-weight block type with one scale per block (<see cref="Q4_0"/> at batch 1, <see cref="Q4_1"/>,
/// <see cref="Q5_0"/>, <see cref="Q5_1"/>, <see cref="IQ4_NL"/>) as the 8-bit activation kernels
/// (<see cref="ByteBlock32Kernels"/>) see it: weight n = d·(q_n − <see cref="Offset"/>) + m, with q_n a
/// byte (unsigned, at most 31; or signed for <see cref="SignedBytes"/> types) and d, m floats.
/// </summary>
internal unsafe interface IByteBlock32<TSelf> : IQuantizedBlock<TSelf> where TSelf : unmanaged, IByteBlock32<TSelf>
{
    /// <summary>Whether q_n are signed bytes (the IQ4_NL table levels, −127..113); else unsigned, at most 31.</summary>
    static abstract bool SignedBytes { get; }

    /// <summary>What the stored q carry on top of the signed weight (Q5_0: 16; else 0).</summary>
    static abstract int Offset { get; }

    /// <summary>Whether the block has an added minimum m (Q4_1, Q5_1).</summary>
    static abstract bool HasMin { get; }

    /// <summary>The reference: q_n, read one at a time from the packed block.</summary>
    static abstract int ByteWeight(TSelf* block, int n);

    /// <summary>d as half-precision bits in the low 16 bits, m's (or 0 for types without one) in the high 16.</summary>
    static abstract uint ScaleAndMinBits(TSelf* block);

    /// <summary>d, the block's scale.</summary>
    static abstract float Scale(TSelf* block);

    /// <summary>m, the block's added minimum (0 for types without one).</summary>
    static abstract float AddedMin(TSelf* block);

    /// <summary>The block's 32 q_n as bytes in weight order (AVX2; called at the 256- and 512-bit levels).</summary>
    static abstract Vector256<byte> Bytes256(TSelf* block);
}
