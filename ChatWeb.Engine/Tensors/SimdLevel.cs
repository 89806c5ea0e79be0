using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>The vector width a kernel runs at. Kernels take it as an argument so tests can run
/// every narrower path on a wide machine; production code passes <see cref="Simd.Best"/>.
/// (Public only so public xunit theories can take it as a parameter.)</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar loops: the reference every vector path is tested against.</summary>
    Scalar,
    /// <summary>Portable <see cref="Vector128"/> operations (SSE2 on x86, AdvSimd on Arm).</summary>
    Vector128,
    /// <summary>AVX2 + FMA: vpmaddwd on 16 lanes of 16-bit integers.</summary>
    Vector256,
    /// <summary>AVX-512 F/BW: vpmaddwd on 32 lanes of 16-bit integers.</summary>
    Vector512,
}

/// <summary>Which <see cref="SimdLevel"/>s this CPU (and the runtime's settings) allow.</summary>
/// <remarks>
/// The widest supported level is chosen once at start-up. A run can force narrower paths with
/// <c>DOTNET_EnableAVX512F=0</c> on .NET 9 or <c>DOTNET_EnableAVX512=0</c> on .NET 10 (→ Vector256),
/// <c>DOTNET_EnableAVX2=0</c> (→ Vector128) or <c>DOTNET_EnableHWIntrinsic=0</c> (→ Scalar); the
/// tests also run every supported level directly through the internal MatMul overload.
/// </remarks>
internal static class Simd
{
    public static SimdLevel Best { get; } = Detect();

    public static bool IsSupported(SimdLevel level) => level <= Best;

    /// <summary>Every level this machine can run, narrowest first (always includes Scalar).</summary>
    public static IReadOnlyList<SimdLevel> Supported { get; } =
        Enum.GetValues<SimdLevel>().Where(IsSupported).ToArray();

    private static SimdLevel Detect()
    {
        if (Avx512F.IsSupported && Avx512BW.IsSupported && Vector512.IsHardwareAccelerated)
            return SimdLevel.Vector512;
        if (Avx2.IsSupported && Fma.IsSupported)
            return SimdLevel.Vector256;
        if (Vector128.IsHardwareAccelerated)
            return SimdLevel.Vector128;
        return SimdLevel.Scalar;
    }
}
