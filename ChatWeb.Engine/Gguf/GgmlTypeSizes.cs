using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Gguf;

/// <summary>How many weights one block of a tensor type holds and how many bytes it takes.</summary>
internal static class GgmlTypeSizes
{
    /// <summary>Returns false for a type number this engine does not know.</summary>
    public static bool TryGet(GgmlType type, out int blockSize, out int bytesPerBlock)
    {
        (blockSize, bytesPerBlock) = type switch
        {
            GgmlType.F32 => (1, 4),
            GgmlType.F16 => (1, 2),
            GgmlType.BF16 => (1, 2),
            GgmlType.Q4_0 => (32, 18),
            GgmlType.Q4_1 => (32, 20),
            GgmlType.Q5_0 => (32, 22),
            GgmlType.Q5_1 => (32, 24),
            GgmlType.Q8_0 => (32, 34),
            GgmlType.Q8_1 => (32, 36),
            GgmlType.Q2_K => (256, 84),
            GgmlType.Q3_K => (256, 110),
            GgmlType.Q4_K => (256, 144),
            GgmlType.Q5_K => (256, 176),
            GgmlType.Q6_K => (256, 210),
            GgmlType.Q8_K => (256, 292),
            GgmlType.IQ4_NL => (32, 18),
            GgmlType.IQ4_XS => (256, 136),
            _ => (0, 0),
        };
        return blockSize != 0;
    }

    /// <summary>Bytes taken by one row of <paramref name="cols"/> weights (cols a multiple of the block size).</summary>
    public static long RowBytes(GgmlType type, long cols)
    {
        if (!TryGet(type, out var blockSize, out var bytesPerBlock))
            throw new NotSupportedException($"Unknown tensor type {(uint)type}.");
        if (cols % blockSize != 0)
            throw new ArgumentException($"A {type} row needs a multiple of {blockSize} weights, not {cols}.", nameof(cols));
        return cols / blockSize * bytesPerBlock;
    }
}
