using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

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
