namespace ChatWeb.Engine.Model;

/// <summary>How a sequence's key/value cache stores its numbers (<c>ChatWeb:Inference:KvCacheType</c>).</summary>
public enum KvCacheType
{
    /// <summary>4 bytes a value: exact.</summary>
    F32,

    /// <summary>2 bytes a value (half precision), llama.cpp's default: half the memory of F32.</summary>
    F16,

    /// <summary>8-bit values with one half-precision scale per 32 (ggml's Q8_0 block): 34 bytes per 32 values.</summary>
    Q8_0,
}
