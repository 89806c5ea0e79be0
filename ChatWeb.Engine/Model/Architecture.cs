namespace ChatWeb.Engine.Model;

/// <summary>
/// What distinguishes one supported architecture from another. The forward pass is one loop; these
/// flags choose its optional steps. Numbers (window sizes, soft-caps, rope bases) come from the
/// file's metadata into <see cref="ModelConfig"/>.
/// </summary>
/// <param name="Name">the value of <c>general.architecture</c>, also the prefix of its metadata keys.</param>
/// <param name="Rope">how RoPE pairs dimensions.</param>
internal sealed record Architecture(string Name, RopeStyle Rope)
{
    /// <summary>Q, K and V projections add a bias (Qwen2).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Q and K are RMS-normalised per head before RoPE (Qwen3, Gemma 3).</summary>
    public bool QkNorm { get; init; }

    /// <summary>Q, K and V are one tensor <c>attn_qkv</c> (rows Q, then K, then V) (Phi-3).</summary>
    public bool FusedQkv { get; init; }

    /// <summary>Gate and up are one tensor <c>ffn_up</c> (rows gate, then up) (Phi-3).</summary>
    public bool FusedGateUp { get; init; }

    /// <summary>The gated FFN uses GELU (tanh form) instead of SiLU (Gemma).</summary>
    public bool GeluFfn { get; init; }

    /// <summary>The token embedding is multiplied by √dim before the first layer (Gemma).</summary>
    public bool ScaleEmbedding { get; init; }

    /// <summary>The attention and FFN outputs are RMS-normalised before they join the residual (Gemma 2 and 3).</summary>
    public bool PostNorms { get; init; }

    /// <summary>
    /// Which layers use the sliding window when the file has one (null: the architecture has none): layer l slides iff l mod n &lt; n − 1
    /// (2: the even layers, Gemma 2; 6: five local layers then one global, Gemma 3); 0 = every layer (Phi-3).
    /// </summary>
    public int? SlidingPattern { get; init; }

    /// <summary>RoPE base of the sliding-window layers, which also skip rope scaling (Gemma 3: 10000); null = every layer uses the file's.</summary>
    public float? LocalRopeBase { get; init; }

    /// <summary>Layer count of the size whose query scale is 1/√(dim/heads) rather than 1/√headDim (Gemma's 27B; GGUF does not store query_pre_attn_scalar).</summary>
    public int? QueryScaleByDimLayers { get; init; }

    public static readonly Architecture Llama = new("llama", RopeStyle.Normal);
    public static readonly Architecture Qwen2 = new("qwen2", RopeStyle.NeoX) { QkvBias = true };
    public static readonly Architecture Qwen3 = new("qwen3", RopeStyle.NeoX) { QkNorm = true };
    public static readonly Architecture Phi3 = new("phi3", RopeStyle.NeoX) { FusedQkv = true, FusedGateUp = true, SlidingPattern = 0 };
    public static readonly Architecture Gemma2 = new("gemma2", RopeStyle.NeoX)
        { GeluFfn = true, ScaleEmbedding = true, PostNorms = true, SlidingPattern = 2, QueryScaleByDimLayers = 46 };
    public static readonly Architecture Gemma3 = new("gemma3", RopeStyle.NeoX)
        { QkNorm = true, GeluFfn = true, ScaleEmbedding = true, PostNorms = true, SlidingPattern = 6, LocalRopeBase = 10000f, QueryScaleByDimLayers = 62 };

    public static IReadOnlyList<Architecture> All { get; } = [Llama, Qwen2, Qwen3, Phi3, Gemma2, Gemma3];

    public static Architecture? Find(string name) => All.FirstOrDefault(a => a.Name == name);

    /// <summary>Whether layer <paramref name="layer"/> attends through the sliding window (when the model has one).</summary>
    public bool IsSlidingLayer(int layer) => SlidingPattern is { } n && (n == 0 || layer % n < n - 1);
}
