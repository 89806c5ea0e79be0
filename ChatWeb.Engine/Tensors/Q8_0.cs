using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q8_0: blocks of 32 weights, each a signed byte times one half-precision scale
/// (34 bytes per 32 weights, 8.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q8_0 : IBlock32<Q8_0>
{
    public const int Weights = 32;

    /// <summary>The scale d as half-precision bits: weight i = d · Qs[i].</summary>
    public ushort D;

    /// <summary>The 32 weights as signed 8-bit integers (−127..127 from ggml's quantizer).</summary>
    public fixed sbyte Qs[Weights];

    public static int BlockSize => Weights;
    public static bool NeedsGroupSums => false;

    public static void Dequantize(Q8_0* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var d = F16.ToSingle(blocks[i].D);
            for (var j = 0; j < Weights; j++)
                destination[i * Weights + j] = d * blocks[i].Qs[j];
        }
    }

    public static float DotScalar(Q8_0* w, QuantizedActivations x, int b, int count)
    {
        var xq = x.Values(b);
        var xd = x.Scales(b);
        var sum = 0f;
        for (var i = 0; i < count; i++)
        {
            var isum = 0;
            for (var j = 0; j < Weights; j++)
                isum += w[i].Qs[j] * xq[i * Weights + j];
            sum += isum * (F16.ToSingle(w[i].D) * xd[i]);
        }
        return sum;
    }

    public static void DotRow(Q8_0* w, int count, QuantizedActivations x, int bStart, int bEnd, float* y, int yStride, SimdLevel level) =>
        Block32Kernels.DotRow(w, count, x, bStart, bEnd, y, yStride, level);

    public static void DotRows(Q8_0* w, int count, int rows, QuantizedActivations x, float* y, SimdLevel level) =>
        Block32Kernels.DotRows(w, count, rows, x, y, level);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ScaleBits(Q8_0* block) => block->D;

    public static int Offset => 0;

    // vpmovsxbw each 16-byte half to int16, vpmaddwd with x.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<int> StoredDot256(Q8_0* block, short* x) =>
        Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs)), Vector256.Load(x))
        + Avx2.MultiplyAddAdjacent(Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs + 16)), Vector256.Load(x + 16));

    // vpmovsxbw: the 32 signed bytes sign-extended to int16.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<short> Weights512(Q8_0* block) => Avx512BW.ConvertToVector512Int16(Vector256.Load(block->Qs));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (Vector256<short> Lo, Vector256<short> Hi) Weights256(Q8_0* block) =>
        (Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs)), Avx2.ConvertToVector256Int16(Vector128.Load(block->Qs + 16)));

    // Portable: int8 × int14 products do not fit int16, so both sides are widened to int32.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<int> Dot128(Q8_0* block, short* x)
    {
        var sums = Vector128<int>.Zero;
        for (var h = 0; h < Weights; h += 16)
        {
            var (w0, w1) = Vector128.Widen(Vector128.Load(block->Qs + h));
            sums += QuantizedDot128.MultiplyAdd(w0, Vector128.Load(x + h)) + QuantizedDot128.MultiplyAdd(w1, Vector128.Load(x + h + 8));
        }
        return sums;
    }
}
