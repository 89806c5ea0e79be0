using System.Numerics.Tensors;

namespace ChatWeb.Engine.Tensors;

/// <summary>Matrix-vector product for 2-byte float weights (F16, BF16): each row is widened to
/// floats once into a per-thread scratch row, then dotted with every x (TensorPrimitives.Dot picks
/// its own vector width). The scratch row grows on demand so steady-state calls allocate nothing.</summary>
internal static unsafe class WidenedRowMatMul
{
    [ThreadStatic] private static float[]? t_row;

    /// <summary>y[b, r] = W[r]·x[b] for rows [rowStart, rowEnd).</summary>
    public static void Run(delegate*<byte*, int, int, Span<float>, SimdLevel, void> dequantizeRow,
        byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level)
    {
        if (t_row is null || t_row.Length < cols)
            t_row = new float[cols];
        var row = t_row.AsSpan(0, cols);
        for (var r = rowStart; r < rowEnd; r++)
        {
            dequantizeRow(data, cols, r, row, level);
            for (var b = 0; b < batch; b++)
                y[b * rows + r] = TensorPrimitives.Dot(row, x.Slice(b * cols, cols));
        }
    }
}
