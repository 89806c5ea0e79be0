namespace ChatWeb.Inference.Tensors;

/// <summary>
/// A weight matrix [rows, cols] stored row by row in one of the GGUF tensor types, over memory
/// that outlives it (normally the memory-mapped model file; weights are never copied).
/// </summary>
/// <remarks>
/// CONTRACT (the engine relies on it; kernels may change inside):
/// <list type="bullet">
/// <item><see cref="MatMul"/> computes y[b, r] = Σ_c W[r, c]·x[b, c] for b in [0, batch) and
/// r in [rowStart, rowEnd); x is [batch, cols] and y is [batch, rows], both row-major.
/// Callers split rows across threads by calling it with disjoint row ranges at once.</item>
/// <item><see cref="DequantizeRow"/> writes row <paramref name="row"/> as floats (embedding lookup).</item>
/// </list>
/// This first version handles F32 only, with a scalar loop; the tensor-types work replaces it.
/// </remarks>
internal sealed unsafe class WeightMatrix
{
    private readonly byte* _data;

    public WeightMatrix(GgmlType type, int rows, int cols, byte* data)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (type != GgmlType.F32)
            throw new NotSupportedException($"Tensor type {type} is not supported yet.");
        Type = type;
        Rows = rows;
        Cols = cols;
        _data = data;
    }

    public GgmlType Type { get; }
    public int Rows { get; }
    public int Cols { get; }

    private ReadOnlySpan<float> Row(int r) => new((float*)_data + (long)r * Cols, Cols);

    public void MatMul(ReadOnlySpan<float> x, int batch, Span<float> y, int rowStart, int rowEnd)
    {
        for (var b = 0; b < batch; b++)
        {
            var xb = x.Slice(b * Cols, Cols);
            for (var r = rowStart; r < rowEnd; r++)
            {
                var w = Row(r);
                var sum = 0f;
                for (var c = 0; c < Cols; c++)
                    sum += w[c] * xb[c];
                y[b * Rows + r] = sum;
            }
        }
    }

    public void DequantizeRow(int row, Span<float> destination) => Row(row).CopyTo(destination);
}
