namespace ChatWeb.Engine.Model;

/// <summary>Which pairs of a head's dimensions rotary position embedding rotates together.</summary>
internal enum RopeStyle
{
    /// <summary>Adjacent pairs (x[2i], x[2i+1]): llama (GGUF converters permute Q and K to this order).</summary>
    Normal,

    /// <summary>Halves (x[i], x[i + d/2]): GPT-NeoX, Qwen2, Qwen3.</summary>
    NeoX,
}
