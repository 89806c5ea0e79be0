using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The activations x [batch, cols] quantized once per MatMul call so the quantized weight kernels
/// can use integer dot products: each block of <see cref="BlockSize"/> values becomes integers in
/// [−<see cref="MaxMagnitude"/>, <see cref="MaxMagnitude"/>] (held as int16) times one float scale.
/// </summary>
/// <remarks>
/// llama.cpp quantizes x to 8 bits for vpmaddubsw; these kernels use vpmaddwd (16-bit × 16-bit),
/// which costs the same per weight here and lets x keep 14 bits, so the activation rounding error
/// is about 64 times smaller. (Q4_0 decoding is the exception: its 8-bit kernel is faster, see
/// <see cref="ByteActivations"/>.) 14 bits (not 15) keep every integer sum inside int32 even for Q6_K,
/// whose pre-scaled weights reach ±4096. Blocks are 32 values (Q8_0, Q4_0) or 256 (K-quants,
/// which also need the sum of each group of 32 for their per-group minimums).
/// One instance per thread (<see cref="ForCurrentThread"/>), grown on demand: no allocation in
/// steady state, and threads working on disjoint rows never share it.
/// </remarks>
internal sealed unsafe class QuantizedActivations
{
    public const int MaxMagnitude = 8191;
    public const int GroupSize = 32;

    [ThreadStatic] private static QuantizedActivations? t_current;

    private short[] _values = [];
    private float[] _scales = [];
    private int[] _groupSums = [];
    private short[] _tiledValues = [];
    private float[] _tiledScales = [];
    private float[] _rowScratch = [];
    private ushort[] _halfScratch = [];

    public static QuantizedActivations ForCurrentThread() => t_current ??= new QuantizedActivations();

    public int Batch { get; private set; }
    public int Cols { get; private set; }
    public int BlockSize { get; private set; }

    /// <summary>The integers of batch row <paramref name="b"/> [cols]. The arrays are pinned.</summary>
    public short* Values(int b) => (short*)Unsafe.AsPointer(ref _values[0]) + b * Cols;

    /// <summary>The scale of each block of batch row <paramref name="b"/> [cols / BlockSize].</summary>
    public float* Scales(int b) => (float*)Unsafe.AsPointer(ref _scales[0]) + b * (Cols / BlockSize);

    /// <summary>Σ of the integers in each group of 32 of batch row <paramref name="b"/> [cols / 32];
    /// filled only when <see cref="Quantize"/> was asked for them.</summary>
    public int* GroupSums(int b) => (int*)Unsafe.AsPointer(ref _groupSums[0]) + b * (Cols / GroupSize);

    /// <summary>Batch rows 4t .. 4t+3 interleaved block by block, [cols / 32, 4, 32], so a kernel that
    /// dots one weight block with four rows reads them from one pointer; filled for 32-value blocks.</summary>
    public short* TiledValues(int t) => (short*)Unsafe.AsPointer(ref _tiledValues[0]) + t * Tile * Cols;

    /// <summary>The scales of the same four rows, [cols / 32, 4].</summary>
    public float* TiledScales(int t) => (float*)Unsafe.AsPointer(ref _tiledScales[0]) + t * Tile * (Cols / BlockSize);

    /// <summary>Batch rows per tile (see <see cref="TiledValues"/>).</summary>
    public const int Tile = 4;

    /// <summary>Per-thread float scratch for the kernels (at least <paramref name="length"/>, pinned).</summary>
    public float* RowScratch(int length)
    {
        Grow(ref _rowScratch, Math.Max(1, length));
        return (float*)Unsafe.AsPointer(ref _rowScratch[0]);
    }

    /// <summary>Per-thread half-precision scratch for the kernels (pinned).</summary>
    public ushort* HalfScratch(int length)
    {
        Grow(ref _halfScratch, Math.Max(1, length));
        return (ushort*)Unsafe.AsPointer(ref _halfScratch[0]);
    }

    /// <summary>Value i of batch row b as the float it stands for (for tests).</summary>
    public float Dequantized(int b, int i) => Values(b)[i] * Scales(b)[i / BlockSize];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Quantize(ReadOnlySpan<float> x, int batch, int cols, int blockSize, bool withGroupSums, SimdLevel level)
    {
        Debug.Assert(cols > 0 && cols % blockSize == 0 && blockSize % GroupSize == 0 && x.Length >= batch * cols);
        Batch = batch;
        Cols = cols;
        BlockSize = blockSize;
        Grow(ref _values, batch * cols);
        Grow(ref _scales, batch * cols / blockSize);
        if (withGroupSums)
            Grow(ref _groupSums, batch * cols / GroupSize);

        fixed (float* xs = x)
        {
            var blocks = batch * cols / blockSize;
            short* q = Values(0);
            float* d = Scales(0);
            for (var k = 0; k < blocks; k++)
            {
                var xb = xs + (long)k * blockSize;
                var amax = MaxAbs(xb, blockSize, level);
                d[k] = amax / MaxMagnitude;
                Round(xb, blockSize, amax == 0 ? 0 : MaxMagnitude / amax, q + (long)k * blockSize, level);
            }
            if (blockSize == GroupSize && batch >= Tile)
                Interleave(batch / Tile);
            if (withGroupSums)
                SumGroups(q, batch * cols / GroupSize, GroupSums(0), level);
        }
    }

    private void Interleave(int tiles)
    {
        var blocks = Cols / BlockSize;
        Grow(ref _tiledValues, tiles * Tile * Cols);
        Grow(ref _tiledScales, tiles * Tile * blocks);
        for (var t = 0; t < tiles; t++)
        {
            short* values = TiledValues(t);
            float* scales = TiledScales(t);
            for (var k = 0; k < Tile; k++)
            {
                short* row = Values(t * Tile + k);
                float* rowScales = Scales(t * Tile + k);
                for (var i = 0; i < blocks; i++)
                {
                    new ReadOnlySpan<short>(row + i * BlockSize, BlockSize).CopyTo(new Span<short>(values + (i * Tile + k) * BlockSize, BlockSize));
                    scales[i * Tile + k] = rowScales[i];
                }
            }
        }
    }

    private static void SumGroups(short* q, int groups, int* sums, SimdLevel level)
    {
        for (var g = 0; g < groups; g++, q += GroupSize)
        {
            if (level >= SimdLevel.Vector256)
            {
                var (a, b) = Vector256.Widen(Vector256.Load(q));
                var (c, d) = Vector256.Widen(Vector256.Load(q + 16));
                sums[g] = Vector256.Sum((a + b) + (c + d));
            }
            else
            {
                var s = 0;
                for (var i = 0; i < GroupSize; i++)
                    s += q[i];
                sums[g] = s;
            }
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
            array = GC.AllocateUninitializedArray<T>(length, pinned: true);
    }

    private static float MaxAbs(float* x, int n, SimdLevel level)
    {
        var i = 0;
        var max = 0f;
        if (level >= SimdLevel.Vector512 && n >= 16)
        {
            var m = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16)
                m = Vector512.Max(m, Vector512.Abs(Vector512.Load(x + i)));
            max = Max(Vector256.Max(m.GetLower(), m.GetUpper()));
        }
        else if (level >= SimdLevel.Vector256 && n >= 8)
        {
            var m = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8)
                m = Vector256.Max(m, Vector256.Abs(Vector256.Load(x + i)));
            max = Max(m);
        }
        else if (level >= SimdLevel.Vector128 && n >= 4)
        {
            var m = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4)
                m = Vector128.Max(m, Vector128.Abs(Vector128.Load(x + i)));
            max = Max(m);
        }
        for (; i < n; i++)
            max = MathF.Max(max, MathF.Abs(x[i]));
        return max;
    }

    private static float Max(Vector256<float> v) => Max(Vector128.Max(v.GetLower(), v.GetUpper()));

    private static float Max(Vector128<float> v) => MathF.Max(MathF.Max(v[0], v[1]), MathF.Max(v[2], v[3]));

    // q[i] = round-half-even(x[i]·scale); the vector paths compute the same float product and
    // round the same way, so every level gives identical integers.
    private static void Round(float* x, int n, float scale, short* q, SimdLevel level)
    {
        var i = 0;
        if (level >= SimdLevel.Vector512)
        {
            var s = Vector512.Create(scale);
            for (; i + 32 <= n; i += 32)
            {
                var a = Vector512.ConvertToInt32(Vector512.Round(Vector512.Load(x + i) * s));
                var b = Vector512.ConvertToInt32(Vector512.Round(Vector512.Load(x + i + 16) * s));
                Vector512.Narrow(a, b).Store(q + i);
            }
        }
        if (level >= SimdLevel.Vector256)
        {
            var s = Vector256.Create(scale);
            for (; i + 16 <= n; i += 16)
            {
                var a = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i) * s));
                var b = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 8) * s));
                Vector256.Narrow(a, b).Store(q + i);
            }
        }
        if (level >= SimdLevel.Vector128)
        {
            var s = Vector128.Create(scale);
            for (; i + 8 <= n; i += 8)
            {
                var a = Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x + i) * s));
                var b = Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x + i + 4) * s));
                Vector128.Narrow(a, b).Store(q + i);
            }
        }
        for (; i < n; i++)
            q[i] = (short)MathF.Round(x[i] * scale);
    }
}
