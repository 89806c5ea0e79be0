using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// Activations x [rows, cols] quantized to 8 bits in blocks of 256 for the K-quant kernels
/// (<see cref="ByteBlock256Kernels"/>), as llama.cpp's Q8_K: each block of 256 values becomes
/// signed bytes in [−127, 127] times one float scale (amax / 127), and the sum of each 16 bytes is
/// kept for the sub-block minimums. At the 256-bit levels, each whole tile of <see cref="TileRows"/>
/// rows (and a last three rows with a zero fourth, <see cref="TiledRows"/>) is also kept block by block for the kernels' four-row tiles: per block, the four rows' bytes
/// in the interleaved order of <see cref="ByteBlock256Kernels.Interleave"/>, then their sums, then their
/// scales (<see cref="TileValues"/>, <see cref="TileSums"/>, <see cref="TileScales"/>), so a kernel
/// walks one pointer of each per block.
/// </summary>
/// <remarks>
/// Values are row-major [rows, cols], scales [rows, cols / 256], sums [rows, cols / 16]. Rounding is
/// to nearest, ties to even, with the same float product on every path, so every
/// <see cref="SimdLevel"/> gives identical bytes. One instance per thread
/// (<see cref="ForCurrentThread"/>), grown on demand and pinned: no allocation in steady state.
/// The rounding error is up to half a step, amax / 254 over 256 values.
/// </remarks>
internal sealed unsafe class ByteActivations256
{
    public const int BlockSize = 256;
    public const int SumSize = 16;
    public const int MaxMagnitude = 127;
    public const int TileRows = 4;

    [ThreadStatic] private static ByteActivations256? t_current;

    private sbyte[] _values = [];
    private sbyte[] _tileValues = [];
    private float[] _tileSums = [];
    private float[] _tileScales = [];
    private float[] _scales = [];
    private short[] _sums = [];

    public static ByteActivations256 ForCurrentThread() => t_current ??= new ByteActivations256();

    public int Rows { get; private set; }
    public int Cols { get; private set; }

    /// <summary>Rows the tiles hold: those of the whole tiles, and three last rows as a tile with a zero fourth row
    /// (one tile costs less than three rows alone: 2048×2048 Q4_K, one thread, batch 3 ~288 µs, batch 4 ~226).</summary>
    public int TiledRows { get; private set; }

    /// <summary>The bytes of row <paramref name="r"/> [cols].</summary>
    public sbyte* Values(int r) => (sbyte*)Unsafe.AsPointer(ref _values[0]) + (long)r * Cols;

    /// <summary>Tile <paramref name="t"/> (rows 4t..4t+3): [cols / 256, 4, 256] interleaved bytes.</summary>
    public sbyte* TileValues(int t) => (sbyte*)Unsafe.AsPointer(ref _tileValues[0]) + (long)t * TileRows * Cols;

    /// <summary>Tile <paramref name="t"/>: [cols / 256, 4, 16] sums of each 16 bytes in order, times
    /// their block's scale (the float Σx that a sub-block's minimum meets).</summary>
    public float* TileSums(int t) => (float*)Unsafe.AsPointer(ref _tileSums[0]) + (long)t * TileRows * (Cols / SumSize);

    /// <summary>Tile <paramref name="t"/>: [cols / 256, 4] scales.</summary>
    public float* TileScales(int t) => (float*)Unsafe.AsPointer(ref _tileScales[0]) + (long)t * TileRows * (Cols / BlockSize);

    /// <summary>The scale of each block of 256 of row <paramref name="r"/> [cols / 256].</summary>
    public float* Scales(int r) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)r * (Cols / BlockSize);

    /// <summary>Σ of each 16 bytes of row <paramref name="r"/> [cols / 16].</summary>
    public short* Sums(int r) => (short*)Unsafe.AsPointer(ref _sums[0]) + (long)r * (Cols / SumSize);

    /// <summary>Value i of row r as the float it stands for.</summary>
    public float Dequantized(int r, int i) => Values(r)[i] * Scales(r)[i / BlockSize];

    /// <summary>Quantizes <paramref name="x"/> [rows, cols] (cols a positive multiple of 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Quantize(ReadOnlySpan<float> x, int rows, int cols, SimdLevel level)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(cols);
        if (cols % BlockSize != 0)
            throw new ArgumentException($"Activations are quantized in blocks of {BlockSize}; {cols} columns is not a multiple.", nameof(cols));
        if (x.Length < (long)rows * cols)
            throw new ArgumentException($"x holds {x.Length} values; {rows} × {cols} are needed.", nameof(x));
        Rows = rows;
        Cols = cols;
        var blocks = rows * (cols / BlockSize);
        Grow(ref _values, rows * cols);
        Grow(ref _scales, blocks);
        Grow(ref _sums, rows * (cols / SumSize));
        var vector = level >= SimdLevel.Vector256 && Vector256.IsHardwareAccelerated;
        var tiled = !vector ? 0 : rows % TileRows == TileRows - 1 ? rows + 1 : rows / TileRows * TileRows;
        TiledRows = tiled;
        if (tiled > 0)
        {
            Grow(ref _tileValues, tiled * cols);
            Grow(ref _tileSums, tiled * (cols / SumSize));
            Grow(ref _tileScales, tiled * (cols / BlockSize));
        }
        fixed (float* xs = x)
        {
            var q = Values(0);
            var d = Scales(0);
            var s = Sums(0);
            for (var k = 0; k < blocks; k++)
            {
                var xb = xs + (long)k * BlockSize;
                var qb = q + (long)k * BlockSize;
                var amax = vector ? MaxAbs256(xb) : MaxAbsScalar(xb);
                d[k] = amax / MaxMagnitude;
                var scale = MaxMagnitude / amax;
                if (!float.IsFinite(scale))
                    scale = 0; // an all-zero block (or one so tiny that 127 / amax overflows): all bytes 0
                if (vector)
                    Round256(xb, scale, qb, s + (long)k * (BlockSize / SumSize));
                else
                    RoundScalar(xb, scale, qb, s + (long)k * (BlockSize / SumSize));
                if (k / (cols / BlockSize) < tiled)
                    CopyToTile(k, cols / BlockSize);
            }
        }
        if (tiled > rows)
            ClearTileRow(rows, cols / BlockSize);
    }

    // Where row r's block i lies in the tiles, in blocks (of 256 bytes, 16 sums, one scale).
    private static long TileSlot(int r, int i, int count) => ((long)(r / TileRows) * count + i) * TileRows + r % TileRows;

    // Row r's place in its tile, every block of it zero: the padding row of a last tile of three.
    private void ClearTileRow(int r, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var slot = TileSlot(r, i, count);
            new Span<sbyte>((sbyte*)Unsafe.AsPointer(ref _tileValues[0]) + slot * BlockSize, BlockSize).Clear();
            new Span<float>((float*)Unsafe.AsPointer(ref _tileSums[0]) + slot * (BlockSize / SumSize), BlockSize / SumSize).Clear();
            _tileScales[slot] = 0;
        }
    }

    // Block k (row r = k / count, block i = k mod count) into tile r / 4 at block i, row r mod 4.
    private void CopyToTile(int k, int count)
    {
        int r = k / count, i = k % count;
        var slot = TileSlot(r, i, count);
        Interleave(Values(0) + (long)k * BlockSize, (sbyte*)Unsafe.AsPointer(ref _tileValues[0]) + slot * BlockSize);
        var sums = Vector256.Load(Sums(0) + (long)k * (BlockSize / SumSize));
        var scale = Scales(0)[k];
        var scaledSums = (float*)Unsafe.AsPointer(ref _tileSums[0]) + slot * (BlockSize / SumSize);
        (Vector256.ConvertToSingle(Vector256.WidenLower(sums)) * scale).Store(scaledSums);
        (Vector256.ConvertToSingle(Vector256.WidenUpper(sums)) * scale).Store(scaledSums + 8);
        _tileScales[slot] = scale;
    }

    private static void Interleave(sbyte* q, sbyte* destination)
    {
        for (var half = 0; half < BlockSize; half += 128)
        {
            var a = Vector256.Load((byte*)q + half);
            var b = Vector256.Load((byte*)q + half + 32);
            var c = Vector256.Load((byte*)q + half + 64);
            var d = Vector256.Load((byte*)q + half + 96);
            ByteBlock256Kernels.Interleave(ref a, ref b, ref c, ref d);
            a.Store((byte*)destination + half);
            b.Store((byte*)destination + half + 32);
            c.Store((byte*)destination + half + 64);
            d.Store((byte*)destination + half + 96);
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
            array = GC.AllocateUninitializedArray<T>(length, pinned: true);
    }

    private static float MaxAbsScalar(float* x)
    {
        var max = 0f;
        for (var i = 0; i < BlockSize; i++)
            max = MathF.Max(max, MathF.Abs(x[i]));
        return max;
    }

    private static float MaxAbs256(float* x)
    {
        var m0 = Vector256<float>.Zero;
        var m1 = Vector256<float>.Zero;
        for (var i = 0; i < BlockSize; i += 16)
        {
            m0 = Vector256.Max(m0, Vector256.Abs(Vector256.Load(x + i)));
            m1 = Vector256.Max(m1, Vector256.Abs(Vector256.Load(x + i + 8)));
        }
        var m = Vector256.Max(m0, m1);
        var m4 = Vector128.Max(m.GetLower(), m.GetUpper());
        return MathF.Max(MathF.Max(m4[0], m4[1]), MathF.Max(m4[2], m4[3]));
    }

    // q[i] = round-half-even(x[i]·scale), the reference the vector path matches exactly; sums per 16.
    private static void RoundScalar(float* x, float scale, sbyte* q, short* sums)
    {
        for (var g = 0; g < BlockSize / SumSize; g++)
        {
            var sum = 0;
            for (var i = SumSize * g; i < SumSize * (g + 1); i++)
            {
                var v = (int)MathF.Round(x[i] * scale);
                q[i] = (sbyte)v;
                sum += v;
            }
            sums[g] = (short)sum;
        }
    }

    private static void Round256(float* x, float scale, sbyte* q, short* sums)
    {
        var s = Vector256.Create(scale);
        for (var i = 0; i < BlockSize; i += 32)
        {
            var a = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i) * s));
            var b = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 8) * s));
            var c = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 16) * s));
            var d = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + i + 24) * s));
            var shorts0 = Vector256.Narrow(a, b); // Narrow keeps lane order (not the in-lane pack)
            var shorts1 = Vector256.Narrow(c, d);
            Vector256.Narrow(shorts0, shorts1).Store(q + i);
            sums[i / SumSize] = (short)Vector256.Sum(a + b);
            sums[i / SumSize + 1] = (short)Vector256.Sum(c + d);
        }
    }
}
