using System.Numerics.Tensors;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type F32: plain floats. The dot product is TensorPrimitives.Dot, which already
/// picks 512 → 256 → 128-bit → scalar at run time; <see cref="DotScalar"/> is the reference.</summary>
internal static unsafe class F32
{
    public static float DotScalar(ReadOnlySpan<float> w, ReadOnlySpan<float> x)
    {
        var sum = 0f;
        for (var i = 0; i < w.Length; i++)
            sum += w[i] * x[i];
        return sum;
    }

    public static ReadOnlySpan<float> Row(byte* data, int cols, int row) => new((float*)data + (long)row * cols, cols);

    /// <summary>y[b, r] = W[r]·x[b]; a row stays in cache while it is dotted with every x.</summary>
    public static void MatMul(byte* data, int rows, int cols, ReadOnlySpan<float> x, int batch, Span<float> y,
        int rowStart, int rowEnd, SimdLevel level)
    {
        for (var r = rowStart; r < rowEnd; r++)
        {
            var w = Row(data, cols, r);
            for (var b = 0; b < batch; b++)
                y[b * rows + r] = level == SimdLevel.Scalar
                    ? DotScalar(w, x.Slice(b * cols, cols))
                    : TensorPrimitives.Dot(w, x.Slice(b * cols, cols));
        }
    }
}
