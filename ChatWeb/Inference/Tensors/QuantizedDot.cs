using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>Integer dot-product steps shared by the 256-bit kernels.</summary>
internal static unsafe class QuantizedDot256
{
    /// <summary>32 int16 weights (two halves) · 32 int16 activations, as 8 float partial sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Block(Vector256<short> lo, Vector256<short> hi, short* x) =>
        Avx.ConvertToVector256Single(Avx2.MultiplyAddAdjacent(lo, Vector256.Load(x)) + Avx2.MultiplyAddAdjacent(hi, Vector256.Load(x + 16)));
}

/// <summary>Integer dot-product steps for the portable 128-bit kernels.</summary>
internal static class QuantizedDot128
{
    /// <summary>Σ a·b over 8 int16 pairs, as 4 int32 partial sums (products widened to int32 first;
    /// which lanes hold which products does not matter, only their total).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> MultiplyAdd(Vector128<short> a, Vector128<short> b)
    {
        var (a0, a1) = Vector128.Widen(a);
        var (b0, b1) = Vector128.Widen(b);
        return a0 * b0 + a1 * b1;
    }
}
