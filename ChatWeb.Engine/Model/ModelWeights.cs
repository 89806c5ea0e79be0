using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Model;

/// <summary>
/// Every weight of a model, checked against the shapes its <see cref="ModelConfig"/> implies. Matrices
/// point into the memory-mapped file; only the small norm vectors and biases are copied as floats.
/// </summary>
internal sealed class ModelWeights
{
    public required WeightMatrix TokenEmbedding { get; init; } // [vocab, dim]
    public required LayerWeights[] Layers { get; init; }
    public required float[] OutputNorm { get; init; }          // [dim]
    public required WeightMatrix Output { get; init; }         // [vocab, dim]; the embedding itself when tied
    public float[]? RopeFrequencyFactors { get; init; }        // [ropeDims / 2] Llama 3.1 rope_freqs, or phi3's rope_factors_short
    public float[]? LongRopeFrequencyFactors { get; init; }    // [ropeDims / 2] phi3's rope_factors_long (sequences past the original context)

    public static ModelWeights Load(GgufFile file, ModelConfig c)
    {
        var arch = c.Architecture;
        var embedding = Matrix(file, "token_embd.weight", c.VocabSize, c.Dim);
        var layers = new LayerWeights[c.LayerCount];
        for (var i = 0; i < layers.Length; i++)
        {
            var p = $"blk.{i}.";
            // phi3 fuses Q, K and V into one tensor (rows Q, K, V) and gate and up into another (rows gate, up)
            var qkv = arch.FusedQkv ? Matrix(file, p + "attn_qkv.weight", c.QDim + 2 * c.KvDim, c.Dim) : null;
            var gateUp = arch.FusedGateUp ? Matrix(file, p + "ffn_up.weight", 2 * c.FfnDim, c.Dim) : null;
            layers[i] = new LayerWeights
            {
                AttentionNorm = Vector(file, p + "attn_norm.weight", c.Dim),
                Wq = qkv?.RowRange(0, c.QDim) ?? Matrix(file, p + "attn_q.weight", c.QDim, c.Dim),
                Wk = qkv?.RowRange(c.QDim, c.KvDim) ?? Matrix(file, p + "attn_k.weight", c.KvDim, c.Dim),
                Wv = qkv?.RowRange(c.QDim + c.KvDim, c.KvDim) ?? Matrix(file, p + "attn_v.weight", c.KvDim, c.Dim),
                Bq = arch.QkvBias ? Vector(file, p + "attn_q.bias", c.QDim) : null,
                Bk = arch.QkvBias ? Vector(file, p + "attn_k.bias", c.KvDim) : null,
                Bv = arch.QkvBias ? Vector(file, p + "attn_v.bias", c.KvDim) : null,
                QNorm = arch.QkNorm ? Vector(file, p + "attn_q_norm.weight", c.HeadDim) : null,
                KNorm = arch.QkNorm ? Vector(file, p + "attn_k_norm.weight", c.HeadDim) : null,
                Wo = Matrix(file, p + "attn_output.weight", c.Dim, c.QDim),
                PostAttentionNorm = arch.PostNorms ? Vector(file, p + "post_attention_norm.weight", c.Dim) : null,
                FfnNorm = Vector(file, p + "ffn_norm.weight", c.Dim),
                Gate = gateUp?.RowRange(0, c.FfnDim) ?? Matrix(file, p + "ffn_gate.weight", c.FfnDim, c.Dim),
                Up = gateUp?.RowRange(c.FfnDim, c.FfnDim) ?? Matrix(file, p + "ffn_up.weight", c.FfnDim, c.Dim),
                Down = Matrix(file, p + "ffn_down.weight", c.Dim, c.FfnDim),
                PostFfnNorm = arch.PostNorms ? Vector(file, p + "post_ffw_norm.weight", c.Dim) : null,
            };
        }

        return new ModelWeights
        {
            TokenEmbedding = embedding,
            Layers = layers,
            OutputNorm = Vector(file, "output_norm.weight", c.Dim),
            Output = file.FindTensor("output.weight") is null ? embedding : Matrix(file, "output.weight", c.VocabSize, c.Dim),
            RopeFrequencyFactors = OptionalVector(file, "rope_freqs.weight", c.RopeDims / 2)
                ?? OptionalVector(file, "rope_factors_short.weight", c.RopeDims / 2),
            LongRopeFrequencyFactors = OptionalVector(file, "rope_factors_long.weight", c.RopeDims / 2),
        };
    }

    private static GgufTensorInfo Find(GgufFile file, string name, long[] shape)
    {
        var tensor = file.FindTensor(name)
            ?? throw new GgufFormatException($"Tensor '{name}' is missing (expected shape [{string.Join(", ", shape)}])", file.DataStart);
        if (!tensor.Dimensions.SequenceEqual(shape))
            throw new GgufFormatException($"Tensor '{name}' has shape {tensor.ShapeText}, the architecture needs [{string.Join(", ", shape)}]", tensor.DataOffset);
        return tensor;
    }

    private static WeightMatrix Matrix(GgufFile file, string name, int rows, int cols)
    {
        var tensor = Find(file, name, [cols, rows]); // ggml order: row length first
        try
        {
            return file.Matrix(tensor);
        }
        catch (NotSupportedException e)
        {
            throw new GgufFormatException($"Tensor '{name}': {e.Message}", tensor.DataOffset);
        }
    }

    private static float[]? OptionalVector(GgufFile file, string name, int length) =>
        file.FindTensor(name) is null ? null : Vector(file, name, length);

    private static unsafe float[] Vector(GgufFile file, string name, int length)
    {
        var tensor = Find(file, name, [length]);
        var data = file.TensorData(tensor);
        var result = new float[length];
        switch (tensor.Type)
        {
            case GgmlType.F32:
                new ReadOnlySpan<float>(data, length).CopyTo(result);
                break;
            case GgmlType.F16:
                for (var i = 0; i < length; i++)
                    result[i] = (float)((Half*)data)[i];
                break;
            case GgmlType.BF16:
                for (var i = 0; i < length; i++)
                    result[i] = BF16.ToSingle(((ushort*)data)[i]);
                break;
            default:
                throw new GgufFormatException($"Tensor '{name}' is {tensor.Type}; vectors must be F32, F16 or BF16", tensor.DataOffset);
        }
        return result;
    }
}
