namespace ChatWeb.Inference.Tensors;

/// <summary>One float row of scratch per thread (for kernels that widen a weight row before
/// dotting it), grown on demand so steady-state calls allocate nothing.</summary>
internal static class RowBuffer
{
    [ThreadStatic] private static float[]? t_buffer;

    public static Span<float> ForCurrentThread(int length)
    {
        if (t_buffer is null || t_buffer.Length < length)
            t_buffer = new float[length];
        return t_buffer.AsSpan(0, length);
    }
}
