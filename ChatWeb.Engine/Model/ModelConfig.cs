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
    public float RopeScale { get; init; } = 1f;       // linear rope scaling: positions × this (1 / rope.scaling.factor) on global layers
    public float RopeAttentionFactor { get; init; } = 1f; // LongRoPE: cos and sin × this (rope.scaling.attn_factor)
    public int RopeOriginalContext { get; init; }     // LongRoPE: sequences longer than this use rope_factors_long
    public int SlidingWindow { get; init; }           // 0 = none; else the sliding layers see the last this many positions
    public required float QueryScale { get; init; }   // attention scores = q·k × this
    public float AttentionSoftCap { get; init; }      // 0 = none; else scores s → cap·tanh(s / cap)
    public float FinalSoftCap { get; init; }          // 0 = none; else logits likewise
    public float EmbeddingScale { get; init; } = 1f;  // the token embedding × this (Gemma: √dim)

    public int QDim => HeadCount * HeadDim;
    public int KvDim => KvHeadCount * HeadDim;

    /// <summary>Whether layer <paramref name="layer"/> attends only to the last <see cref="SlidingWindow"/> positions.</summary>
    public bool IsSliding(int layer) => SlidingWindow > 0 && Architecture.IsSlidingLayer(layer);

    /// <summary>Positions of a layer's cache that attention can still read: the window on sliding layers.</summary>
    public int AttendedPositions(int layer, int capacity) => IsSliding(layer) ? Math.Min(capacity, SlidingWindow) : capacity;

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

        float? Float(string key) => file.GetFloat($"{archName}.{key}");
        var layers = Required("block_count");
        var (ropeScale, originalContext) = (1f, 0);
        switch (file.GetString($"{archName}.rope.scaling.type"))
        {
            case null or "none":
                break;
            case "linear":
                ropeScale = 1f / (Float("rope.scaling.factor") is > 0 and var f ? f : 1f);
                break;
            case "longrope" or "su" when arch == Architecture.Phi3:
                originalContext = Optional("rope.scaling.original_context_length", 4096);
                break;
            case var other:
                throw new GgufFormatException($"RoPE scaling '{other}' is not supported (supported: linear; longrope for phi3)", file.MetadataOffset($"{archName}.rope.scaling.type"));
        }
        if (arch == Architecture.Phi3 && file.FindTensor("rope_factors_long.weight") is not null && originalContext == 0)
            originalContext = Optional("rope.scaling.original_context_length", 4096);

        var embedding = file.FindTensor("token_embd.weight")
            ?? throw new GgufFormatException("Tensor 'token_embd.weight' is missing", file.DataStart);

        return new ModelConfig
        {
            Architecture = arch,
            Dim = dim,
            LayerCount = layers,
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
            RopeScale = ropeScale,
            RopeAttentionFactor = Float("rope.scaling.attn_factor") ?? 1f,
            RopeOriginalContext = originalContext,
            SlidingWindow = arch.SlidingPattern is not null && file.GetInteger($"{archName}.attention.sliding_window") is { } window
                ? Positive("attention.sliding_window", window) : 0,
            QueryScale = 1f / MathF.Sqrt(layers == arch.QueryScaleByDimLayers ? dim / heads : headDim),
            AttentionSoftCap = Float("attn_logit_softcapping") ?? 0f,
            FinalSoftCap = Float("final_logit_softcapping") ?? 0f,
            EmbeddingScale = arch.ScaleEmbedding ? MathF.Sqrt(dim) : 1f,
        };
    }
}
