using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// What every quantized block type provides: its size and the plain dequantization (the reference
/// the kernels are tested against, and the embedding lookup). The kernels see the types through
/// <see cref="IBlock32{TSelf}"/> (Q8_0, Q4_0), <see cref="IByteBlock32{TSelf}"/> (Q4_1, Q5_0, Q5_1,
/// IQ4_NL) and <see cref="IByteBlock256{TSelf}"/> (the K-quants and IQ4_XS).
/// </summary>
internal unsafe interface IQuantizedBlock<TSelf> where TSelf : unmanaged, IQuantizedBlock<TSelf>
{
    /// <summary>Weights per block (32 or 256).</summary>
    static abstract int BlockSize { get; }

    /// <summary>Writes <paramref name="count"/> blocks as floats (the plain reference).</summary>
    static abstract void Dequantize(TSelf* blocks, int count, float* destination);
}

/// <summary>The 32-weight types with their own kernels (<see cref="Q8_0"/>, <see cref="Q4_0"/>), as
/// <see cref="QuantizedMatMul"/> sees them: every dot product is between one row of weight blocks and
/// rows of <see cref="QuantizedActivations"/> (14-bit x) or, for Q4_0 decoding, <see cref="ByteActivations"/>;
/// <see cref="Block32Kernels"/> holds the loops they share.</summary>
internal unsafe interface IBlock32<TSelf> : IQuantizedBlock<TSelf> where TSelf : unmanaged, IBlock32<TSelf>
{
    /// <summary>Whether the kernels read <see cref="QuantizedActivations.GroupSums"/>.</summary>
    static abstract bool NeedsGroupSums { get; }

    /// <summary>Σ W·x over <paramref name="count"/> blocks and batch row <paramref name="b"/> of
    /// <paramref name="x"/>, with plain scalar loops: the reference for the vector paths.</summary>
    static abstract float DotScalar(TSelf* w, QuantizedActivations x, int b, int count);

    /// <summary>Dots one weight row with batch rows [bStart, bEnd) of <paramref name="x"/>:
    /// y[b · yStride] = W·x_b (bStart a multiple of <see cref="QuantizedActivations.Tile"/>).
    /// Level Scalar must use <see cref="DotScalar"/>.</summary>
    static abstract void DotRow(TSelf* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level);

    /// <summary>Batch 1 (decoding): y[r] = W_r·x_0 for the <paramref name="rows"/> consecutive weight
    /// rows starting at <paramref name="w"/>, each of <paramref name="count"/> blocks. Types with a
    /// many-row kernel amortise per-row set-up over the rows; the default dots one row at a time.</summary>
    static virtual void DotRows(TSelf* w, int count, int rows, QuantizedActivations x, float* y, SimdLevel level)
    {
        for (var r = 0; r < rows; r++)
            TSelf.DotRow(w + (long)r * count, count, x, 0, 1, y + r, 1, level);
    }

    /// <summary>The block's scale as half-precision bits.</summary>
    static abstract ushort ScaleBits(TSelf* block);

    /// <summary>What the single-row kernels subtract from the stored integers: they dot the stored
    /// q' = q + Offset and correct with Offset·Σx (Q4_0 stores q + 8 in its nibbles).</summary>
    static abstract int Offset { get; }

    /// <summary>Σ q'·x over the block (q' as stored, see <see cref="Offset"/>) as 8 int32 partial sums (AVX2).</summary>
    static abstract Vector256<int> StoredDot256(TSelf* block, short* x);

    /// <summary>Weights 0..15 and 16..31 in int16 lanes.</summary>
    static abstract (Vector256<short> Lo, Vector256<short> Hi) Weights256(TSelf* block);

    /// <summary>Σ q·x over the block as four int32 partial sums (portable 128-bit operations).</summary>
    static abstract Vector128<int> Dot128(TSelf* block, short* x);
}
