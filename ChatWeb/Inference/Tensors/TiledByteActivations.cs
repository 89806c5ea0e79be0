using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ChatWeb.Inference.Tensors;

/// <summary>
/// The activations x [batch, cols] quantized per block of <see cref="BlockSize"/> values to signed
/// 8-bit integers q = round(x / d), d = max|x| / 127, and laid out in tiles of <see cref="Tile"/>
/// batch rows for <see cref="Block32ByteBatch"/>: within a tile and block, the four bytes 4g..4g+3 of
/// the eight rows sit side by side (32 bytes), so one 256-bit load holds what one vpdpbusd needs from
/// eight rows.
/// </summary>
/// <remarks>
/// Layout of tile t: values [cols / 32, 8 groups g, 8 rows, 4 bytes]; scales [cols / 32, 8 rows];
/// sums [cols / 32, 8 rows] = −Σq over the block (for the weights' offset correction). A last tile
/// with fewer than eight rows is padded with zeros. The rounding is llama.cpp's for its Q8_0
/// activations (x times 1/d, rounded to nearest even), so the scalar and vector paths give the same
/// bytes. Grown on demand (no allocation in steady state) and read-only once quantized: one per
/// thread (<see cref="ForCurrentThread"/>) or one shared by the threads of a product
/// (<see cref="Execution.MatMulWork"/> quantizes x once per run). (The batch-1 kernels use
/// <see cref="QuantizedActivations"/>.)
/// </remarks>
internal sealed unsafe class TiledByteActivations
{
    public const int BlockSize = 32;
    public const int Tile = 8;
    private const int TileBlockBytes = Tile * BlockSize;

    [ThreadStatic] private static TiledByteActivations? t_current;

    private sbyte[] _values = [];
    private float[] _scales = [];
    private int[] _sums = [];

    public static TiledByteActivations ForCurrentThread() => t_current ??= new TiledByteActivations();

    public int Batch { get; private set; }
    public int Cols { get; private set; }
    public int Tiles => (Batch + Tile - 1) / Tile;
    private int Blocks => Cols / BlockSize;

    /// <summary>The values of tile <paramref name="t"/>, [cols / 32, 8, 8, 4]. The arrays are pinned.</summary>
    public sbyte* Values(int t) => (sbyte*)Unsafe.AsPointer(ref _values[0]) + (long)t * Tile * Cols;

    /// <summary>d of each block of tile <paramref name="t"/>, [cols / 32, 8].</summary>
    public float* Scales(int t) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)t * Tile * Blocks;

    /// <summary>−Σq of each block of tile <paramref name="t"/>, [cols / 32, 8].</summary>
    public int* NegatedSums(int t) => (int*)Unsafe.AsPointer(ref _sums[0]) + (long)t * Tile * Blocks;

    /// <summary>q of value i of batch row b (for tests and the scalar reference).</summary>
    public int Quantized(int b, int i) =>
        Values(b / Tile)[(i / BlockSize) * TileBlockBytes + (i % BlockSize / 4) * Tile * 4 + (b % Tile) * 4 + i % 4];

    /// <summary>d of block i of batch row b.</summary>
    public float Scale(int b, int i) => Scales(b / Tile)[i * Tile + b % Tile];

    /// <summary>Value i of batch row b as the float it stands for (for tests).</summary>
    public float Dequantized(int b, int i) => Quantized(b, i) * Scale(b, i / BlockSize);

    public void Quantize(ReadOnlySpan<float> x, int batch, int cols, SimdLevel level)
    {
        Debug.Assert(cols > 0 && cols % BlockSize == 0 && x.Length >= batch * cols);
        Batch = batch;
        Cols = cols;
        var count = Blocks;
        var padded = Tiles * Tile;
        Grow(ref _values, padded * cols);
        Grow(ref _scales, padded * count);
        Grow(ref _sums, padded * count);
        var block = stackalloc sbyte[BlockSize];
        fixed (float* source = x)
        {
            for (var b = 0; b < padded; b++)
            {
                var t = b / Tile;
                var k = b % Tile;
                var values = Values(t) + 4 * k;
                var scales = Scales(t) + k;
                var sums = NegatedSums(t) + k;
                for (var i = 0; i < count; i++, values += TileBlockBytes)
                {
                    float d;
                    int sum;
                    if (b >= batch)
                        (d, sum) = (0, 0);
                    else if (level >= SimdLevel.Vector256)
                        d = QuantizeBlock256(source + (long)b * cols + i * BlockSize, block, out sum);
                    else
                        d = QuantizeBlockScalar(source + (long)b * cols + i * BlockSize, block, out sum);
                    if (b >= batch)
                        new Span<byte>(block, BlockSize).Clear();
                    for (var g = 0; g < BlockSize / 4; g++)
                        ((int*)values)[g * Tile] = ((int*)block)[g];
                    scales[i * Tile] = d;
                    sums[i * Tile] = -sum;
                }
            }
        }
    }

    /// <summary>The plain reference: one block of 32; returns d and Σq.</summary>
    private static float QuantizeBlockScalar(float* x, sbyte* q, out int sum)
    {
        var max = 0f;
        for (var j = 0; j < BlockSize; j++)
            max = MathF.Max(max, MathF.Abs(x[j]));
        var d = max / 127f;
        var inverse = d != 0 ? 1f / d : 0f;
        sum = 0;
        for (var j = 0; j < BlockSize; j++)
        {
            q[j] = (sbyte)Math.Clamp((int)MathF.Round(x[j] * inverse), -128, 127);
            sum += q[j];
        }
        return d;
    }

    /// <summary>The same with AVX2: vcvtps2dq rounds to nearest even like MathF.Round, and the
    /// saturating packs clamp like the reference.</summary>
    private static float QuantizeBlock256(float* x, sbyte* q, out int sum)
    {
        var v0 = Vector256.Load(x);
        var v1 = Vector256.Load(x + 8);
        var v2 = Vector256.Load(x + 16);
        var v3 = Vector256.Load(x + 24);
        var m = Vector256.Max(Vector256.Max(Vector256.Abs(v0), Vector256.Abs(v1)), Vector256.Max(Vector256.Abs(v2), Vector256.Abs(v3)));
        var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        var m2 = Vector128.Max(m4, Vector128.Shuffle(m4, Vector128.Create(2, 3, 0, 1)));
        var max = MathF.Max(m2.ToScalar(), m2.GetElement(1));
        var d = max / 127f;
        var inverse = Vector256.Create(d != 0 ? 1f / d : 0f);
        var i0 = Avx.ConvertToVector256Int32(v0 * inverse);
        var i1 = Avx.ConvertToVector256Int32(v1 * inverse);
        var i2 = Avx.ConvertToVector256Int32(v2 * inverse);
        var i3 = Avx.ConvertToVector256Int32(v3 * inverse);
        // The packs work within 128-bit lanes: bytes come out as dwords [0-3, 8-11, 16-19, 24-27,
        // 4-7, 12-15, 20-23, 28-31] of the block; vpermd puts them back in order.
        var bytes = Avx2.PackSignedSaturate(Avx2.PackSignedSaturate(i0, i1), Avx2.PackSignedSaturate(i2, i3));
        var ordered = Avx2.PermuteVar8x32(bytes.AsInt32(), Vector256.Create(0, 4, 1, 5, 2, 6, 3, 7)).AsSByte();
        ordered.Store(q);
        // Σq: vpsadbw on q + 128 (as unsigned bytes) gives four sums of eight; minus 32·128.
        var sums = Avx2.SumAbsoluteDifferences((ordered.AsByte() ^ Vector256.Create((byte)0x80)), Vector256<byte>.Zero).AsInt64();
        sum = (int)Vector256.Sum(sums) - BlockSize * 128;
        return d;
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
            array = GC.AllocateArray<T>(Math.Max(length, 1), pinned: true);
    }
}
