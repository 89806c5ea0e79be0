using ChatWeb.Engine.Gguf;

namespace ChatWeb.Engine.Model;

/// <summary>A model's hyper-parameters, read from GGUF metadata (<c>{arch}.block_count</c> and friends).</summary>
internal sealed record ModelConfig
{
    public required Architecture Architecture { get; init; }
    public required int Dim { get; init; }            // embedding length (residual stream width)
    public required int LayerCount { get; init; }
    public required int HeadCount { get; init; }      // query heads
    public required int KvHeadCount { get; init; }    // key/value heads (GQA when fewer than query heads)
    public required int HeadDim { get; init; }        // per-head width of Q, K and V
    public required int FfnDim { get; init; }         // SwiGLU hidden width
    public required int VocabSize { get; init; }
    public required int ContextLength { get; init; }  // trained context
    public required float RmsEpsilon { get; init; }
    public required float RopeBase { get; init; }
    public required int RopeDims { get; init; }       // leading dimensions of each head that RoPE rotates

    public int QDim => HeadCount * HeadDim;
    public int KvDim => KvHeadCount * HeadDim;

    public static ModelConfig FromGguf(GgufFile file)
    {
        const long metadataStart = 24;
        var archName = file.GetString("general.architecture")
            ?? throw new GgufFormatException("Metadata 'general.architecture' is missing", metadataStart);
        var arch = Architecture.Find(archName)
            ?? throw new GgufFormatException(
                $"Architecture '{archName}' is not supported (supported: {string.Join(", ", Architecture.All.Select(a => a.Name))})",
                file.MetadataOffset("general.architecture"));

        int Required(string key) => Positive(key, file.GetInteger($"{archName}.{key}")
            ?? throw new GgufFormatException($"Metadata '{archName}.{key}' is missing", metadataStart));
        int Optional(string key, int fallback) => Positive(key, file.GetInteger($"{archName}.{key}") ?? fallback);
        int Positive(string key, long value) => value is > 0 and <= 1 << 24 ? (int)value
            : throw new GgufFormatException($"Metadata '{archName}.{key}' = {value} is out of range", file.MetadataOffset($"{archName}.{key}"));

        var dim = Required("embedding_length");
        var heads = Required("attention.head_count");
        var headDim = Optional("attention.key_length", dim / heads);
        var valueDim = Optional("attention.value_length", headDim);
        if (valueDim != headDim)
            throw new GgufFormatException($"Key length {headDim} and value length {valueDim} differ; not supported", file.MetadataOffset($"{archName}.attention.value_length"));
        var kvHeads = Optional("attention.head_count_kv", heads);
        if (heads % kvHeads != 0)
            throw new GgufFormatException($"{heads} query heads cannot share {kvHeads} key/value heads", file.MetadataOffset($"{archName}.attention.head_count_kv"));
        var ropeDims = Optional("rope.dimension_count", headDim);
        if (ropeDims > headDim || ropeDims % 2 != 0)
            throw new GgufFormatException($"RoPE dimension count {ropeDims} does not fit head size {headDim}", file.MetadataOffset($"{archName}.rope.dimension_count"));

        var embedding = file.FindTensor("token_embd.weight")
            ?? throw new GgufFormatException("Tensor 'token_embd.weight' is missing", file.DataStart);

        return new ModelConfig
        {
            Architecture = arch,
            Dim = dim,
            LayerCount = Required("block_count"),
            HeadCount = heads,
            KvHeadCount = kvHeads,
            HeadDim = headDim,
            FfnDim = Required("feed_forward_length"),
            VocabSize = embedding.Dimensions.Length == 2 && embedding.Dimensions[1] <= int.MaxValue ? (int)embedding.Dimensions[1]
                : throw new GgufFormatException($"Tensor 'token_embd.weight' has shape {embedding.ShapeText}, expected [{dim}, vocab]", embedding.DataOffset),
            ContextLength = Optional("context_length", 2048),
            RmsEpsilon = file.GetFloat($"{archName}.attention.layer_norm_rms_epsilon") ?? 1e-5f,
            RopeBase = file.GetFloat($"{archName}.rope.freq_base") ?? 10000f,
            RopeDims = ropeDims,
        };
    }
}
