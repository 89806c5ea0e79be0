using System.Diagnostics;

namespace ChatWeb.Inference.Tensors;

/// <summary>The matrix product for quantized weight types: x is quantized once per call (per
/// thread), then each weight row is read once and dotted with every batch row.</summary>
internal static unsafe class QuantizedMatMul
{
    public static void Run<T>(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level)
        where T : unmanaged, IQuantizedBlock<T>
    {
        Debug.Assert(cols % T.BlockSize == 0 && y.Length >= batch * rows);
        var blocks = cols / T.BlockSize;
        var activations = QuantizedActivations.ForCurrentThread();
        activations.Quantize(x, batch, cols, T.BlockSize, T.NeedsGroupSums, level);
        fixed (float* output = y)
            for (var r = rowStart; r < rowEnd; r++)
                T.DotRow((T*)data + (long)r * blocks, blocks, activations, output + r, rows, level);
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
