using System.Runtime.CompilerServices;
using ChatWeb.Engine.Gguf;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// A weight matrix [rows, cols] stored row by row in one of the GGUF tensor types, over memory
/// that outlives it (normally the memory-mapped model file; weights are never copied).
/// </summary>
/// <remarks>
/// CONTRACT (the engine relies on it; kernels may change inside):
/// <list type="bullet">
/// <item><see cref="MatMul(ReadOnlySpan{float}, int, Span{float}, int, int)"/> computes
/// y[b, r] = Σ_c W[r, c]·x[b, c] for b in [0, batch) and r in [rowStart, rowEnd); x is
/// [batch, cols] and y is [batch, rows], both row-major. Callers split rows across threads by
/// calling it with disjoint row ranges at once. Scratch is per thread and reused, so steady-state
/// calls allocate nothing. Quantized types quantize x per block and use integer dot products: Q8_0
/// and Q4_0 to 14 bits (<see cref="QuantizedActivations"/>; Q4_0 at batch 1 to 8 bits as llama.cpp,
/// see <see cref="ByteActivations"/>); their batches take other paths: at batch ≥
/// <see cref="Block32ByteBatch.MinBatch"/> on CPUs with AVX-VNNI, x rounded to 8 bits as llama.cpp
/// does (<see cref="Block32ByteBatch"/>); without AVX-VNNI, at batch ≥
/// <see cref="Block32FloatBatch.MinBatch"/> with AVX-512, the float x against dequantized weights
/// (<see cref="Block32FloatBatch"/>). So a Q8_0/Q4_0 model's outputs differ between a sequence
/// computed alone and in a batch: about 1e-3 relative on the float path, and up to a few percent of
/// the logits' range where 8-bit x is involved (QuantizedModelTests measures 3.5e-2 on a small random model).</item>
/// <item><see cref="DequantizeRow"/> writes one row as floats (embedding lookup).</item>
/// </list>
/// The 256-weight types (the K-quants and IQ4_XS) take <see cref="ByteBlock256Kernels"/>: x rounded
/// to 8 bits per 256 values as llama.cpp's Q8_K; batches of all but Q2_K of
/// <see cref="Block32ByteBatch.MinBatch256"/> or more on CPUs with AVX-VNNI take
/// <see cref="Block32ByteBatch"/> instead (x per 32 values, each block decoded as eight 32-weight
/// blocks), so there a sequence's results alone and in such a batch differ by that rounding. Q4_1, Q5_0, Q5_1 and IQ4_NL round x to 8 bits per 32 values as llama.cpp does at
/// every batch size: <see cref="ByteBlock32Kernels"/>, and for batches with AVX-VNNI
/// <see cref="Block32ByteBatch"/> (the same integer sums; alone and in a batch equal up to float rounding).
/// Supported types: <see cref="SupportedTypes"/>; cols must be a multiple of the type's block size
/// (32 for Q8_0, Q5_0, Q5_1, Q4_0, Q4_1, IQ4_NL; 256 for the K-quants and IQ4_XS).
/// </remarks>
internal sealed unsafe class WeightMatrix
{
    private readonly byte* _data;

    public WeightMatrix(GgmlType type, int rows, int cols, byte* data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (data == null)
            throw new ArgumentNullException(nameof(data));
        var blockSize = BlockSize(type);
        if (cols % blockSize != 0)
            throw new ArgumentException($"A {type} matrix needs rows of a multiple of {blockSize} weights, not {cols}.", nameof(cols));
        Type = type;
        Rows = rows;
        Cols = cols;
        _data = data;
    }

    public GgmlType Type { get; }
    public int Rows { get; }
    public int Cols { get; }

    /// <summary>Weights per block of <paramref name="type"/>; throws for types without kernels.</summary>
    public static int BlockSize(GgmlType type) => type switch
    {
        GgmlType.F32 or GgmlType.F16 or GgmlType.BF16 => 1,
        GgmlType.Q8_0 => Q8_0.Weights,
        GgmlType.Q4_0 => Q4_0.Weights,
        GgmlType.Q4_K => Q4_K.Weights,
        GgmlType.Q6_K => Q6_K.Weights,
        GgmlType.Q4_1 => Q4_1.Weights,
        GgmlType.Q5_0 => Q5_0.Weights,
        GgmlType.Q5_1 => Q5_1.Weights,
        GgmlType.IQ4_NL => IQ4_NL.Weights,
        GgmlType.Q2_K => Q2_K.Weights,
        GgmlType.Q3_K => Q3_K.Weights,
        GgmlType.Q5_K => Q5_K.Weights,
        GgmlType.IQ4_XS => IQ4_XS.Weights,
        _ => throw new NotSupportedException($"Tensor type {type} is not supported (supported: {SupportedTypes})."),
    };

    /// <summary>The types this engine runs, for messages.</summary>
    public const string SupportedTypes = "F32, F16, BF16, Q8_0, Q6_K, Q5_K, Q5_1, Q5_0, Q4_K, Q4_1, Q4_0, IQ4_XS, IQ4_NL, Q3_K, Q2_K";

    public void MatMul(ReadOnlySpan<float> x, int batch, Span<float> y, int rowStart, int rowEnd) =>
        MatMul(x, batch, y, rowStart, rowEnd, Simd.Best);

    /// <summary>As the public overload, at a chosen vector width (tests run every path). Where
    /// a type takes the 8-bit batch path (<see cref="Block32ByteBatch"/>), <paramref name="quantizedX"/> may hold x already quantized
    /// (<see cref="TiledByteActivations.Quantize"/> of the same x, batch and cols), shared by the
    /// threads of one product instead of each quantizing x again; <paramref name="quantizedX256"/> the
    /// same for the 256-weight types (<see cref="ByteActivations256.Quantize"/> at this level). <paramref name="vnni"/> false
    /// takes the kernels a CPU without AVX-VNNI would (for tests).</summary>
    internal void MatMul(ReadOnlySpan<float> x, int batch, Span<float> y, int rowStart, int rowEnd, SimdLevel level,
        TiledByteActivations? quantizedX = null, bool vnni = true, ByteActivations256? quantizedX256 = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        if (x.Length < (long)batch * Cols)
            throw new ArgumentException($"x holds {x.Length} values; {batch} × {Cols} are needed.", nameof(x));
        if (y.Length < (long)batch * Rows)
            throw new ArgumentException($"y holds {y.Length} values; {batch} × {Rows} are needed.", nameof(y));
        if (rowStart < 0 || rowEnd > Rows || rowStart > rowEnd)
            throw new ArgumentOutOfRangeException(nameof(rowStart), $"Row range [{rowStart}, {rowEnd}) is not within [0, {Rows}).");
        if (!Simd.IsSupported(level))
            throw new PlatformNotSupportedException($"This CPU cannot run the {level} kernels.");
        if (rowStart == rowEnd)
            return;

        switch (Type)
        {
            case GgmlType.F32: F32.MatMul(_data, Rows, Cols, x, batch, y, rowStart, rowEnd, level); break;
            case GgmlType.F16: F16.MatMul(_data, Rows, Cols, x, batch, y, rowStart, rowEnd, level); break;
            case GgmlType.BF16: BF16.MatMul(_data, Rows, Cols, x, batch, y, rowStart, rowEnd, level); break;
            case GgmlType.Q8_0: QuantizedMatMul.Run<Q8_0>(_data, Rows, Cols, x, batch, y, rowStart, rowEnd, level, quantizedX, vnni); break;
            case GgmlType.Q4_0: QuantizedMatMul.Run<Q4_0>(_data, Rows, Cols, x, batch, y, rowStart, rowEnd, level, quantizedX, vnni); break;
            case GgmlType.Q4_K: RunBytes<Q4_K>(x, batch, y, rowStart, rowEnd, level, vnni, quantizedX256, quantizedX); break;
            case GgmlType.Q6_K: RunBytes<Q6_K>(x, batch, y, rowStart, rowEnd, level, vnni, quantizedX256, quantizedX); break;
            case GgmlType.Q4_1: RunBytes32<Q4_1>(x, batch, y, rowStart, rowEnd, level, quantizedX, vnni); break;
            case GgmlType.Q5_0: RunBytes32<Q5_0>(x, batch, y, rowStart, rowEnd, level, quantizedX, vnni); break;
            case GgmlType.Q5_1: RunBytes32<Q5_1>(x, batch, y, rowStart, rowEnd, level, quantizedX, vnni); break;
            case GgmlType.IQ4_NL: RunBytes32<IQ4_NL>(x, batch, y, rowStart, rowEnd, level, quantizedX, vnni); break;
            case GgmlType.Q2_K: RunBytes<Q2_K>(x, batch, y, rowStart, rowEnd, level, vnni, quantizedX256, quantizedX); break;
            case GgmlType.Q3_K: RunBytes<Q3_K>(x, batch, y, rowStart, rowEnd, level, vnni, quantizedX256, quantizedX); break;
            case GgmlType.Q5_K: RunBytes<Q5_K>(x, batch, y, rowStart, rowEnd, level, vnni, quantizedX256, quantizedX); break;
            case GgmlType.IQ4_XS: RunBytes<IQ4_XS>(x, batch, y, rowStart, rowEnd, level, vnni, quantizedX256, quantizedX); break;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RunBytes<T>(ReadOnlySpan<float> x, int batch, Span<float> y, int rowStart, int rowEnd, SimdLevel level, bool vnni,
        ByteActivations256? quantizedX, TiledByteActivations? tiledX)
        where T : unmanaged, IByteBlock256<T>
    {
        fixed (float* output = y)
        {
            // batches with AVX-VNNI (all but Q2_K): decoded once per call into 32-weight blocks, as the 32-weight types
            if (Block32ByteBatch.Applies<T>(batch, level, vnni))
                Block32ByteBatch.Run((T*)_data, Rows, Cols, x, batch, output, rowStart, rowEnd, tiledX);
            else
                ByteBlock256Kernels.Run((T*)_data, Rows, Cols, x, batch, output, rowStart, rowEnd, level, vnni, quantizedX);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RunBytes32<T>(ReadOnlySpan<float> x, int batch, Span<float> y, int rowStart, int rowEnd, SimdLevel level,
        TiledByteActivations? quantizedX, bool vnni)
        where T : unmanaged, IByteBlock32<T>
    {
        fixed (float* output = y)
        {
            // batches with AVX-VNNI: decoded once per call, eight x rows per vpdpbusd (as Q8_0/Q4_0)
            if (Block32ByteBatch.Applies<T>(batch, level, vnni))
                Block32ByteBatch.Run((T*)_data, Rows, Cols, x, batch, output, rowStart, rowEnd, quantizedX);
            else
                ByteBlock32Kernels.Run((T*)_data, Rows, Cols, x, batch, output, rowStart, rowEnd, level, vnni);
        }
    }

    /// <summary>Whether products of <paramref name="type"/> take <see cref="ByteBlock256Kernels"/> (8-bit x per 256), unless
    /// <see cref="Block32ByteBatch.Applies(GgmlType, int, SimdLevel)"/> (their batches with AVX-VNNI, but Q2_K's).</summary>
    public static bool UsesByteBlock256(GgmlType type) =>
        type is GgmlType.Q4_K or GgmlType.Q5_K or GgmlType.Q6_K or GgmlType.Q3_K or GgmlType.Q2_K or GgmlType.IQ4_XS;

    /// <summary>Whether products of <paramref name="type"/> take <see cref="ByteBlock32Kernels"/> (8-bit x per 32).</summary>
    public static bool UsesByteBlock32(GgmlType type) =>
        type is GgmlType.Q4_1 or GgmlType.Q5_0 or GgmlType.Q5_1 or GgmlType.IQ4_NL;

    /// <summary>Rows [start, start + count) as a matrix of their own over the same memory (a part of a fused tensor).</summary>
    public WeightMatrix RowRange(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Rows - start);
        return new WeightMatrix(Type, count, Cols, _data + start * GgmlTypeSizes.RowBytes(Type, Cols));
    }

    public void DequantizeRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        if (destination.Length < Cols)
            throw new ArgumentException($"The destination holds {destination.Length} values; a row has {Cols}.", nameof(destination));
        switch (Type)
        {
            case GgmlType.F32: F32.Row(_data, Cols, row).CopyTo(destination); break;
            case GgmlType.F16: F16.DequantizeRow(_data, Cols, row, destination, Simd.Best); break;
            case GgmlType.BF16: BF16.DequantizeRow(_data, Cols, row, destination, Simd.Best); break;
            case GgmlType.Q8_0: QuantizedMatMul.DequantizeRow<Q8_0>(_data, Cols, row, destination); break;
            case GgmlType.Q4_0: QuantizedMatMul.DequantizeRow<Q4_0>(_data, Cols, row, destination); break;
            case GgmlType.Q4_K: QuantizedMatMul.DequantizeRow<Q4_K>(_data, Cols, row, destination); break;
            case GgmlType.Q6_K: QuantizedMatMul.DequantizeRow<Q6_K>(_data, Cols, row, destination); break;
            case GgmlType.Q4_1: QuantizedMatMul.DequantizeRow<Q4_1>(_data, Cols, row, destination); break;
            case GgmlType.Q5_0: QuantizedMatMul.DequantizeRow<Q5_0>(_data, Cols, row, destination); break;
            case GgmlType.Q5_1: QuantizedMatMul.DequantizeRow<Q5_1>(_data, Cols, row, destination); break;
            case GgmlType.IQ4_NL: QuantizedMatMul.DequantizeRow<IQ4_NL>(_data, Cols, row, destination); break;
            case GgmlType.Q2_K: QuantizedMatMul.DequantizeRow<Q2_K>(_data, Cols, row, destination); break;
            case GgmlType.Q3_K: QuantizedMatMul.DequantizeRow<Q3_K>(_data, Cols, row, destination); break;
            case GgmlType.Q5_K: QuantizedMatMul.DequantizeRow<Q5_K>(_data, Cols, row, destination); break;
            case GgmlType.IQ4_XS: QuantizedMatMul.DequantizeRow<IQ4_XS>(_data, Cols, row, destination); break;
        }
    }
}
