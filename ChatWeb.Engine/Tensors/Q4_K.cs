using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Engine.Tensors;

/// <summary>GGUF type Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32; weight =
/// d·scale_j·q − dmin·min_j with 4-bit q and 6-bit scale_j, min_j (144 bytes per 256 weights,
/// 4.5 bits per weight).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct Q4_K : IByteBlock256<Q4_K>
{
    public const int Weights = 256;
    private const int SubBlocks = 8;

    /// <summary>Half-precision bits of d, the scale of the sub-block scales.</summary>
    public ushort D;

    /// <summary>Half-precision bits of dmin, the scale of the sub-block minimums.</summary>
    public ushort DMin;

    /// <summary>The 8 scales and 8 minimums, 6 bits each, packed into 12 bytes: for j &lt; 4,
    /// scale_j and min_j are the low 6 bits of bytes j and j+4; for j ≥ 4, their low 4 bits are
    /// the low and high nibbles of byte j+4 and their top 2 bits the top 2 bits of bytes j−4 and j.</summary>
    public fixed byte Scales[12];

    /// <summary>The 4-bit q: 4 chunks of 32 bytes; chunk c holds sub-block 2c in its low
    /// nibbles and sub-block 2c+1 in its high nibbles.</summary>
    public fixed byte Qs[Weights / 2];

    public static int BlockSize => Weights;

    /// <summary>Unpacks the 6-bit scale and minimum of sub-block j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (int Scale, int Min) ScaleMin(byte* s, int j) => j < 4
        ? (s[j] & 63, s[j + 4] & 63)
        : ((s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4), (s[j + 4] >> 4) | ((s[j] >> 6) << 4));

    public static void Dequantize(Q4_K* blocks, int count, float* destination)
    {
        for (var i = 0; i < count; i++)
        {
            var block = blocks + i;
            var d = F16.ToSingle(block->D);
            var dmin = F16.ToSingle(block->DMin);
            var y = destination + i * Weights;
            for (var c = 0; c < 4; c++)
            {
                var (sc0, m0) = ScaleMin(block->Scales, 2 * c);
                var (sc1, m1) = ScaleMin(block->Scales, 2 * c + 1);
                for (var l = 0; l < 32; l++)
                {
                    var q = block->Qs[32 * c + l];
                    y[64 * c + l] = d * sc0 * (q & 0xF) - dmin * m0;
                    y[64 * c + 32 + l] = d * sc1 * (q >> 4) - dmin * m1;
                }
            }
        }
    }

    public static bool SignedBytes => false;

    public static int WeightInteger(Q4_K* block, int n)
    {
        int j = n / 32, l = n % 32;
        var q = block->Qs[32 * (j / 2) + l];
        return ScaleMin(block->Scales, j).Scale * (j % 2 == 0 ? q & 0xF : q >> 4);
    }

    public static int MinInteger(Q4_K* block, int n) => ScaleMin(block->Scales, n / 32).Min;

    public static bool HasMins => true;

    // Bytes 32·(c/2).. hold chunk c in their low (c even) or high (c odd) nibbles.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Chunk(Q4_K* block, int c) => Nibbles(block->Qs, c);

    /// <summary>Chunk c of 4-bit q packed as in Q4_K and Q5_K (32-byte groups, low nibbles first).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Nibbles(byte* qs, int c) =>
        ByteBlock256Kernels.ShiftBits(Vector256.Load(qs + 32 * (c >> 1)), -4 * (c & 1)) & Vector256.Create((byte)0xF);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SubScales(Q4_K* block, out Vector256<short> mins) => SixBitScales(block->Scales, out mins);

    /// <summary>The 8 six-bit scales and minimums of Q4_K and Q5_K (<see cref="ScaleMin"/>) in the
    /// kernels' form, from the 12 bytes a (0–3), b (4–7), c (8–11) in one register: the low 6 bits
    /// of a and b, or c's nibbles under the top 2 bits of a and b moved down to bits 4–5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> SixBitScales(byte* packed, out Vector256<short> mins)
    {
        var v = Vector128.Load(packed); // the 4 bytes after the 12 are the block's next field, unused
        const byte zero = 0x80; // vpshufb: a zero byte
        var acbc = Ssse3.Shuffle(v, Vector128.Create((byte)0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11));
        var topOfAb = Ssse3.Shuffle(v, Vector128.Create(zero, zero, zero, zero, 0, 1, 2, 3, zero, zero, zero, zero, 4, 5, 6, 7));
        var low = acbc & Vector128.Create((byte)63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15);
        var highNibbles = Vector128.ShiftRightLogical(acbc.AsUInt16(), 4).AsByte() & Vector128.Create((byte)15);
        low = Avx2.Blend(low.AsInt32(), highNibbles.AsInt32(), 0b1000).AsByte(); // c's high nibbles for the minimums 4–7
        var both = low | (Vector128.ShiftRightLogical(topOfAb.AsUInt16(), 2).AsByte() & Vector128.Create((byte)0x30));
        // both: scales 0–7, minimums 0–7
        var scales = Sse41.ConvertToVector128Int16(both);
        mins = Avx2.ConvertToVector256Int16(Sse2.UnpackHigh(both, both));
        return Vector256.Create(scales, scales);
    }



    public static float KernelMinScale(Q4_K* block) => MinScale(block);
    public static float Scale(Q4_K* block) => F16.ToSingle(block->D);
    public static float MinScale(Q4_K* block) => F16.ToSingle(block->DMin);
}
