using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Model;

/// <summary>One transformer block's weights. Matrices are [rows = outputs, cols = inputs] over the mapped file;
/// a fused tensor (phi3's attn_qkv, ffn_up) appears as row ranges of it.</summary>
internal sealed class LayerWeights
{
    public required float[] AttentionNorm { get; init; }  // [dim]
    public required WeightMatrix Wq { get; init; }        // [qDim, dim]
    public required WeightMatrix Wk { get; init; }        // [kvDim, dim]
    public required WeightMatrix Wv { get; init; }        // [kvDim, dim]
    public float[]? Bq { get; init; }                     // [qDim]  (qwen2)
    public float[]? Bk { get; init; }                     // [kvDim] (qwen2)
    public float[]? Bv { get; init; }                     // [kvDim] (qwen2)
    public float[]? QNorm { get; init; }                  // [headDim] (qwen3, gemma3)
    public float[]? KNorm { get; init; }                  // [headDim] (qwen3, gemma3)
    public required WeightMatrix Wo { get; init; }        // [dim, qDim]
    public float[]? PostAttentionNorm { get; init; }      // [dim] (gemma2, gemma3)
    public required float[] FfnNorm { get; init; }        // [dim]
    public required WeightMatrix Gate { get; init; }      // [ffnDim, dim]
    public required WeightMatrix Up { get; init; }        // [ffnDim, dim]
    public required WeightMatrix Down { get; init; }      // [dim, ffnDim]
    public float[]? PostFfnNorm { get; init; }            // [dim] (gemma2, gemma3)
}
