using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// What a quantized block type (<see cref="Q8_0"/>, <see cref="Q4_0"/>, <see cref="Q4_K"/>,
/// <see cref="Q6_K"/>) provides to <see cref="QuantizedMatMul"/>. Every dot product is between one
/// row of weight blocks and rows of <see cref="QuantizedActivations"/>.
/// </summary>
internal unsafe interface IQuantizedBlock<TSelf> where TSelf : unmanaged, IQuantizedBlock<TSelf>
{
    /// <summary>Weights per block (32 or 256).</summary>
    static abstract int BlockSize { get; }

    /// <summary>Whether the kernels read <see cref="QuantizedActivations.GroupSums"/>.</summary>
    static abstract bool NeedsGroupSums { get; }

    /// <summary>Writes <paramref name="count"/> blocks as floats (the plain reference).</summary>
    static abstract void Dequantize(TSelf* blocks, int count, float* destination);

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

    /// <summary>Whether batch 1 (decoding) goes through <see cref="DotRowsBytes"/> with 8-bit
    /// activations instead of <see cref="DotRows"/> with 14-bit ones.</summary>
    static virtual bool DecodesWithBytes => false;

    /// <summary>As <see cref="DotRows"/>, with x quantized to 8 bits (<see cref="ByteActivations"/>).</summary>
    static virtual void DotRowsBytes(TSelf* w, int count, int rows, ByteActivations x, float* y, SimdLevel level) =>
        throw new NotSupportedException($"{typeof(TSelf).Name} has no 8-bit activation kernels.");
}

/// <summary>The parts of a 32-weight block type (<see cref="Q8_0"/>, <see cref="Q4_0"/>) that
/// differ; <see cref="Block32Kernels"/> holds the loops they share.</summary>
internal unsafe interface IBlock32<TSelf> : IQuantizedBlock<TSelf> where TSelf : unmanaged, IBlock32<TSelf>
{
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

/// <summary>The parts of a 256-weight K-quant type (<see cref="Q4_K"/>, <see cref="Q6_K"/>) that
/// differ; <see cref="Block256Kernels"/> holds the loops they share.</summary>
internal unsafe interface IBlock256<TSelf> : IQuantizedBlock<TSelf> where TSelf : unmanaged, IBlock256<TSelf>
{
    /// <summary>Whether the type has per-sub-block minimums (weight = d·u − dmin·min_j).</summary>
    static abstract bool HasMins { get; }

    /// <summary>d, the super-block scale: weight n = d·u_n (− dmin·min_j).</summary>
    static abstract float Scale(TSelf* block);

    /// <summary>dmin, the scale of the minimums (0 without them).</summary>
    static abstract float MinScale(TSelf* block);

    /// <summary>Writes u_n, the 256 integer weights with their sub-block scales multiplied in, as
    /// int16 (level Vector256 or wider), and, with minimums, the 8 minimums of the groups of 32.</summary>
    static abstract void Unpack(TSelf* block, short* weights, int* mins, SimdLevel level);

    /// <summary>Σ W·x over the blocks for one batch row with portable 128-bit operations.</summary>
    static abstract float Dot128(TSelf* w, QuantizedActivations x, int b, int count);
}
