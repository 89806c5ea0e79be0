using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Cli;

/// <summary>
/// What <c>model make --type</c> writes: one tensor type for every matrix, or a K-quant "_M" mixture
/// as llama-quantize makes it, with the same per-tensor rules (facts of the GGUF ecosystem, so files
/// look like the ones people download).
/// </summary>
/// <remarks>
/// Every file below 6 bits keeps the output projection (or the tied embedding that serves as it) in
/// Q6_K. The "_M" mixtures also raise attn_v and ffn_down: Q4_K_M and Q5_K_M to Q6_K on the layers
/// llama-quantize's <c>use_more_bits</c> picks (the first and last eighth and every third in between);
/// Q3_K_M attn_v to Q5_K on the first two layers and Q4_K elsewhere, ffn_down to Q5_K on the first
/// sixteenth and Q4_K elsewhere, attn_output to Q4_K. A matrix whose rows do not fit the chosen
/// type's blocks falls back as llama.cpp does: Q2_K, Q3_K, IQ4_XS → IQ4_NL; Q4_K → Q5_0;
/// Q5_K → Q5_1; Q6_K → Q8_0 (and F16 if even 32-weight blocks do not fit).
/// </remarks>
internal sealed record QuantizationMix(string Name, GgmlType Base, uint FileType, bool Medium)
{
    public static IReadOnlyList<QuantizationMix> All { get; } =
    [
        new("f32", GgmlType.F32, 0, false),
        new("f16", GgmlType.F16, 1, false),
        new("bf16", GgmlType.BF16, 32, false),
        new("q8_0", GgmlType.Q8_0, 7, false),
        new("q6_k", GgmlType.Q6_K, 18, false),
        new("q5_k", GgmlType.Q5_K, 16, false),   // llama.cpp's Q5_K_S file type
        new("q5_1", GgmlType.Q5_1, 9, false),
        new("q5_0", GgmlType.Q5_0, 8, false),
        new("q4_k", GgmlType.Q4_K, 14, false),   // Q4_K_S
        new("q4_1", GgmlType.Q4_1, 3, false),
        new("q4_0", GgmlType.Q4_0, 2, false),
        new("iq4_xs", GgmlType.IQ4_XS, 30, false),
        new("iq4_nl", GgmlType.IQ4_NL, 25, false),
        new("q3_k", GgmlType.Q3_K, 11, false),   // Q3_K_S
        new("q2_k", GgmlType.Q2_K, 10, false),
        new("q5_k_m", GgmlType.Q5_K, 17, true),
        new("q4_k_m", GgmlType.Q4_K, 15, true),
        new("q3_k_m", GgmlType.Q3_K, 12, true),
    ];

    public static QuantizationMix Parse(string name) =>
        All.FirstOrDefault(m => m.Name == name.ToLowerInvariant())
        ?? throw new CliException($"Unknown type '{name}' (known: {string.Join(", ", All.Select(m => m.Name))}).");

    /// <summary>The type of matrix <paramref name="tensor"/> ("blk.3.ffn_down.weight", "output.weight")
    /// with rows of <paramref name="cols"/> weights, in a model of <paramref name="layers"/> layers.</summary>
    public GgmlType TypeFor(string tensor, int cols, int layers, bool tiedOutput)
    {
        var isOutput = tensor == "output.weight" || (tiedOutput && tensor == "token_embd.weight");
        var type = isOutput && Bits(Base) < 6 ? GgmlType.Q6_K : Medium ? MediumType(tensor, layers) : Base;
        return FitRow(type, cols);
    }

    private GgmlType MediumType(string tensor, int layers)
    {
        var layer = Layer(tensor);
        if (Base is GgmlType.Q4_K or GgmlType.Q5_K)
            return tensor.EndsWith(".attn_v.weight") || tensor.EndsWith(".ffn_down.weight")
                ? (UseMoreBits(layer, layers) ? GgmlType.Q6_K : Base)
                : Base;
        // Q3_K_M
        if (tensor.EndsWith(".attn_v.weight"))
            return layer < 2 ? GgmlType.Q5_K : GgmlType.Q4_K;
        if (tensor.EndsWith(".ffn_down.weight"))
            return layer < layers / 16 ? GgmlType.Q5_K : GgmlType.Q4_K;
        if (tensor.EndsWith(".attn_output.weight"))
            return GgmlType.Q4_K;
        return Base;
    }

    /// <summary>llama-quantize's choice of layers that keep more bits.</summary>
    private static bool UseMoreBits(int layer, int layers) =>
        layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;

    private static int Layer(string tensor) =>
        tensor.StartsWith("blk.") ? int.Parse(tensor.AsSpan(4, tensor.IndexOf('.', 4) - 4)) : -1;

    /// <summary>The type itself when rows of <paramref name="cols"/> fit its blocks, else llama.cpp's fallback.</summary>
    public static GgmlType FitRow(GgmlType type, int cols)
    {
        if (cols % WeightMatrix.BlockSize(type) == 0)
            return type;
        var fallback = type switch
        {
            GgmlType.Q2_K or GgmlType.Q3_K or GgmlType.IQ4_XS => GgmlType.IQ4_NL,
            GgmlType.Q4_K => GgmlType.Q5_0,
            GgmlType.Q5_K => GgmlType.Q5_1,
            _ => GgmlType.Q8_0,
        };
        return cols % WeightMatrix.BlockSize(fallback) == 0 ? fallback : GgmlType.F16;
    }

    private static double Bits(GgmlType type) => type switch
    {
        GgmlType.F32 => 32,
        GgmlType.F16 or GgmlType.BF16 => 16,
        GgmlType.Q8_0 => 8.5,
        GgmlType.Q6_K => 6.5625,
        _ => 5.5, // every other type here has fewer bits than Q6_K
    };
}
