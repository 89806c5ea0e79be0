using System.Diagnostics;

namespace ChatWeb.Inference.Tensors;

/// <summary>The matrix product for quantized weight types: x is quantized once per call (per
/// thread), then each weight row is read once and dotted with every batch row.</summary>
internal static unsafe class QuantizedMatMul
{
    private const int Tile = 4;

    public static void Run<T>(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level)
        where T : unmanaged, IQuantizedBlock<T>
    {
        Debug.Assert(cols % T.BlockSize == 0);
        var blocks = cols / T.BlockSize;
        var activations = QuantizedActivations.ForCurrentThread();
        activations.Quantize(x, batch, cols, T.BlockSize, T.NeedsGroupSums, level);
        var tile = stackalloc float[Tile];
        for (var r = rowStart; r < rowEnd; r++)
        {
            var row = (T*)data + (long)r * blocks;
            var b = 0;
            // Tiles of four batch rows share each unpacked weight block; the rest (and the narrow
            // paths) go one batch row at a time while the weight row stays in L1.
            if (level >= SimdLevel.Vector256)
                for (; b + Tile <= batch; b += Tile)
                {
                    T.Dot4(row, activations, b, blocks, tile, level);
                    for (var k = 0; k < Tile; k++)
                        y[(b + k) * rows + r] = tile[k];
                }
            for (; b < batch; b++)
                y[b * rows + r] = T.Dot(row, activations, b, blocks, level);
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
