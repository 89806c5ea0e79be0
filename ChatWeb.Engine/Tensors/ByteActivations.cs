using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// Activations x [rows, cols] quantized to 8 bits for the int8 dot-product kernels, as llama.cpp's
/// Q8_0 activation blocks: each block of <see cref="BlockSize"/> values becomes signed bytes in
/// [−<see cref="MaxMagnitude"/>, <see cref="MaxMagnitude"/>] times one float scale (amax / 127),
/// and the sum of the block's bytes is kept for kernels that dot offset weights (Q4_0 stores q + 8).
/// </summary>
/// <remarks>
/// Values are row-major [rows, cols], scales and sums [rows, cols / 32]. Rounding is to nearest,
/// ties to even, on every path, so every <see cref="SimdLevel"/> gives identical bytes.
/// One instance per thread (<see cref="ForCurrentThread"/>), grown on demand and pinned: no
/// allocation in steady state, and threads working on disjoint weight rows never share it.
/// The rounding error is up to half a step, amax / 254 per block: about 64 times the 14-bit
/// <see cref="QuantizedActivations"/>' (the same as llama.cpp's).
/// </remarks>
internal sealed unsafe class ByteActivations
{
    public const int BlockSize = 32;
    public const int MaxMagnitude = 127;

    [ThreadStatic] private static ByteActivations? t_current;

    private sbyte[] _values = [];
    private float[] _scales = [];
    private int[] _sums = [];

    public static ByteActivations ForCurrentThread() => t_current ??= new ByteActivations();

    public int Rows { get; private set; }
    public int Cols { get; private set; }

    /// <summary>The bytes of row <paramref name="r"/> [cols].</summary>
    public sbyte* Values(int r) => (sbyte*)Unsafe.AsPointer(ref _values[0]) + (long)r * Cols;

    /// <summary>The scale of each block of row <paramref name="r"/> [cols / 32].</summary>
    public float* Scales(int r) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)r * (Cols / BlockSize);

    /// <summary>Σ of the bytes of each block of row <paramref name="r"/> [cols / 32].</summary>
    public int* Sums(int r) => (int*)Unsafe.AsPointer(ref _sums[0]) + (long)r * (Cols / BlockSize);

    /// <summary>Value i of row r as the float it stands for.</summary>
    public float Dequantized(int r, int i) => Values(r)[i] * Scales(r)[i / BlockSize];

    /// <summary>Quantizes <paramref name="x"/> [rows, cols] (cols a positive multiple of 32).</summary>
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
        Grow(ref _sums, blocks);
        fixed (float* xs = x)
        {
            var q = Values(0);
            var d = Scales(0);
            var s = Sums(0);
            for (var k = 0; k < blocks; k++)
            {
                var xb = xs + (long)k * BlockSize;
                var qb = q + (long)k * BlockSize;
                var amax = MaxAbs(xb, level);
                d[k] = amax / MaxMagnitude;
                var scale = MaxMagnitude / amax;
                if (!float.IsFinite(scale))
                    scale = 0; // an all-zero block (or one so tiny that 127 / amax overflows): all bytes 0
                s[k] = level switch
                {
                    SimdLevel.Vector512 => Round512(xb, scale, qb),
                    SimdLevel.Vector256 => Round256(xb, scale, qb),
                    SimdLevel.Vector128 => Round128(xb, scale, qb),
                    _ => RoundScalar(xb, scale, qb),
                };
            }
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
            array = GC.AllocateUninitializedArray<T>(length, pinned: true);
    }

    private static float MaxAbs(float* x, SimdLevel level)
    {
        switch (level)
        {
            case SimdLevel.Vector512:
            {
                var m = Vector512.Max(Vector512.Abs(Vector512.Load(x)), Vector512.Abs(Vector512.Load(x + 16)));
                var m8 = Vector256.Max(m.GetLower(), m.GetUpper());
                return Max(Vector128.Max(m8.GetLower(), m8.GetUpper()));
            }
            case SimdLevel.Vector256:
            {
                var m = Vector256.Max(
                    Vector256.Max(Vector256.Abs(Vector256.Load(x)), Vector256.Abs(Vector256.Load(x + 8))),
                    Vector256.Max(Vector256.Abs(Vector256.Load(x + 16)), Vector256.Abs(Vector256.Load(x + 24))));
                return Max(Vector128.Max(m.GetLower(), m.GetUpper()));
            }
            case SimdLevel.Vector128:
            {
                var m = Vector128<float>.Zero;
                for (var i = 0; i < BlockSize; i += 4)
                    m = Vector128.Max(m, Vector128.Abs(Vector128.Load(x + i)));
                return Max(m);
            }
            default:
            {
                var max = 0f;
                for (var i = 0; i < BlockSize; i++)
                    max = MathF.Max(max, MathF.Abs(x[i]));
                return max;
            }
        }
    }

    private static float Max(Vector128<float> v) => MathF.Max(MathF.Max(v[0], v[1]), MathF.Max(v[2], v[3]));

    // q[i] = round-half-even(x[i]·scale), the reference the vector paths match exactly
    // (they compute the same float product and round the same way); returns Σ q.
    private static int RoundScalar(float* x, float scale, sbyte* q)
    {
        var sum = 0;
        for (var i = 0; i < BlockSize; i++)
        {
            var v = (int)MathF.Round(x[i] * scale);
            q[i] = (sbyte)v;
            sum += v;
        }
        return sum;
    }

    private static int Round512(float* x, float scale, sbyte* q)
    {
        var s = Vector512.Create(scale);
        var a = Vector512.ConvertToInt32(Vector512.Round(Vector512.Load(x) * s));
        var b = Vector512.ConvertToInt32(Vector512.Round(Vector512.Load(x + 16) * s));
        var shorts = Vector512.Narrow(a, b);
        Vector512.Narrow(shorts, shorts).GetLower().Store(q);
        return Vector512.Sum(a + b);
    }

    private static int Round256(float* x, float scale, sbyte* q)
    {
        var s = Vector256.Create(scale);
        var a = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x) * s));
        var b = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + 8) * s));
        var c = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + 16) * s));
        var d = Vector256.ConvertToInt32(Vector256.Round(Vector256.Load(x + 24) * s));
        Vector256.Narrow(Vector256.Narrow(a, b), Vector256.Narrow(c, d)).Store(q);
        return Vector256.Sum((a + b) + (c + d));
    }

    private static int Round128(float* x, float scale, sbyte* q)
    {
        var s = Vector128.Create(scale);
        var sum = Vector128<int>.Zero;
        for (var i = 0; i < BlockSize; i += 16)
        {
            var a = Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x + i) * s));
            var b = Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x + i + 4) * s));
            var c = Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x + i + 8) * s));
            var d = Vector128.ConvertToInt32(Vector128.Round(Vector128.Load(x + i + 12) * s));
            Vector128.Narrow(Vector128.Narrow(a, b), Vector128.Narrow(c, d)).Store(q + i);
            sum += (a + b) + (c + d);
        }
        return Vector128.Sum(sum);
    }
}
