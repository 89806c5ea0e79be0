namespace ChatWeb.Engine.Tensors;

/// <summary>Tensor element types, numbered as in GGUF files (ggml's <c>ggml_type</c>).</summary>
#pragma warning disable CS1591 // the members are GGUF's own type names
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ4_NL = 20,
    IQ4_XS = 23,
    BF16 = 30,
}
#pragma warning restore CS1591
