using System.Runtime.CompilerServices;
using System.Diagnostics;

namespace ChatWeb.Engine.Tensors;

/// <summary>The matrix product for Q8_0 and Q4_0 (the other quantized types take
/// <see cref="ByteBlock32Kernels"/>, for batches with AVX-VNNI <see cref="Block32ByteBatch"/>, or <see cref="ByteBlock256Kernels"/>): x is quantized once per
/// call (per thread), then each weight row is read once and dotted with every batch row.</summary>
/// <remarks>
/// Which kernels: Q8_0/Q4_0 at batch ≥ 2 on an AVX-512 CPU with AVX-VNNI go to
/// <see cref="Block32ByteBatch"/> (8-bit x, vpdpbusd); without AVX-VNNI, batch ≥ 4 at the 512-bit level
/// goes to <see cref="Block32FloatBatch"/> (float x, dequantized weights); Q4_0 at batch 1 decodes with
/// 8-bit x in <see cref="ByteBlock32Kernels"/>, as the other 32-weight types; everything else uses the int16 kernels (14-bit x, vpmaddwd).
/// Large batches (prompt processing) are cache-blocked: a chunk of <see cref="RowChunk"/> weight
/// rows meets the batch <see cref="BatchChunk"/> rows of x at a time, so both stay in L2 (16 rows of
/// 4864 Q8_0 weights ≈ 83 KB, 32 rows of 4864 int16 activations ≈ 311 KB) while the weights are
/// still read from memory once per call. At batch 1 (decoding) the rows go to the type's
/// many-row kernel <see cref="IBlock32{TSelf}.DotRows"/> all at once.
/// </remarks>
internal static unsafe class QuantizedMatMul
{
    private const int RowChunk = 16;
    private const int BatchChunk = 8 * QuantizedActivations.Tile;

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)] // optimized at first call, with its own inlining budget (README: kernel section)
    public static void Run<T>(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level, TiledByteActivations? quantizedX = null, bool vnni = true)
        where T : unmanaged, IBlock32<T>
    {
        Debug.Assert(cols % T.BlockSize == 0 && y.Length >= batch * rows);
        if (Block32ByteBatch.Applies<T>(batch, level, vnni))
        {
            // Q8_0/Q4_0 at batch ≥ 2 with AVX-VNNI: 8-bit activations, vpdpbusd (see Block32ByteBatch);
            // quantizedX, when the caller has it, is x already quantized for every thread.
            fixed (float* output = y)
            {
                if (typeof(T) == typeof(Q8_0))
                    Block32ByteBatch.Run((Q8_0*)data, rows, cols, x, batch, output, rowStart, rowEnd, quantizedX);
                else
                    Block32ByteBatch.Run((Q4_0*)data, rows, cols, x, batch, output, rowStart, rowEnd, quantizedX);
            }
            return;
        }
        if (Block32FloatBatch.Applies<T>(batch, level))
        {
            // Q8_0/Q4_0 at batch ≥ 4 with AVX-512 but no AVX-VNNI: float activations (see Block32FloatBatch).
            fixed (float* input = x)
            fixed (float* output = y)
            {
                if (typeof(T) == typeof(Q8_0))
                    Block32FloatBatch.Run((Q8_0*)data, rows, cols, input, batch, output, rowStart, rowEnd);
                else
                    Block32FloatBatch.Run((Q4_0*)data, rows, cols, input, batch, output, rowStart, rowEnd);
            }
            return;
        }
        if (batch == 1 && typeof(T) == typeof(Q4_0))
        {
            fixed (float* output = y)
                ByteBlock32Kernels.Run((Q4_0*)data, rows, cols, x, 1, output, rowStart, rowEnd, level, vnni);
            return;
        }
        var blocks = cols / T.BlockSize;
        var activations = QuantizedActivations.ForCurrentThread();
        activations.Quantize(x, batch, cols, T.BlockSize, T.NeedsGroupSums, level);
        fixed (float* output = y)
        {
            if (batch == 1)
            {
                T.DotRows((T*)data + (long)rowStart * blocks, blocks, rowEnd - rowStart, activations, output + rowStart, level);
                return;
            }
            for (var r0 = rowStart; r0 < rowEnd; r0 += RowChunk)
            {
                var r1 = Math.Min(r0 + RowChunk, rowEnd);
                for (var b0 = 0; b0 < batch; b0 += BatchChunk)
                {
                    var b1 = Math.Min(b0 + BatchChunk, batch);
                    for (var r = r0; r < r1; r++)
                        T.DotRow((T*)data + (long)r * blocks, blocks, activations, b0, b1, output + r, rows, level);
                }
            }
        }
    }

    public static void DequantizeRow<T>(byte* data, int cols, int row, Span<float> destination)
        where T : unmanaged, IQuantizedBlock<T>
    {
        Debug.Assert(destination.Length >= cols);
        var blocks = cols / T.BlockSize;
        fixed (float* d = destination)
            T.Dequantize((T*)data + (long)row * blocks, blocks, d);
    }
}
