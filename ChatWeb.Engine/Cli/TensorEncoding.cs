using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Cli;

/// <summary>Turns float weights into the bytes of a GGUF tensor type, for writing model files.</summary>
internal static class TensorEncoding
{
    public static GgmlType Parse(string name) => name.ToLowerInvariant() switch
    {
        "f32" => GgmlType.F32,
        "f16" => GgmlType.F16,
        "q8_0" => GgmlType.Q8_0,
        "q4_0" => GgmlType.Q4_0,
        "q4_k" => GgmlType.Q4_K,
        _ => throw new CliException($"Unknown type '{name}' (known: q8_0, q4_0, q4_k, f16, f32)."),
    };

    /// <summary>
    /// The type a matrix with rows of <paramref name="cols"/> weights gets: the one asked for when the
    /// row fits whole blocks of it, else Q4_0 for Q4_K (a 4-bit type with 32-weight blocks) — the way
    /// llama.cpp falls back for such tensors.
    /// </summary>
    public static GgmlType ForRow(GgmlType wanted, int cols)
    {
        return cols % WeightMatrix.BlockSize(wanted) == 0 ? wanted : GgmlType.Q4_0;
    }

    public static byte[] Encode(GgmlType type, float[] values) => Quantizer.Quantize(type, values);

    /// <summary>llama.cpp's <c>general.file_type</c> for a file mostly of <paramref name="type"/>.</summary>
    public static uint FileType(GgmlType type) => type switch
    {
        GgmlType.F32 => 0,
        GgmlType.F16 => 1,
        GgmlType.Q4_0 => 2,
        GgmlType.Q8_0 => 7,
        GgmlType.Q4_K => 14, // MOSTLY_Q4_K_S
        _ => 0,
    };
}
