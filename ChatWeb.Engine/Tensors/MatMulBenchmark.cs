using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// Measures <see cref="WeightMatrix.MatMul(ReadOnlySpan{float}, int, Span{float}, int, int)"/> on
/// one thread: weight bytes read per second at batch 1 (decode is bound by memory bandwidth) and the
/// time of one batched call. For the engine's <c>bench</c> command and for running by hand
/// (<c>MatMulBenchmarkTests</c> prints it); it asserts nothing about speed.
/// </summary>
/// <remarks>Several copies of the matrix, together larger than the L3 cache, are used in turn so
/// every call reads its weights from main memory, as a real model's decoding step does.</remarks>
internal static unsafe class MatMulBenchmark
{
    private const long BytesBeyondCache = 160L << 20; // several times the L3 cache

    /// <summary>Per-call times: the median, and the best call (on a busy machine the best is the
    /// closest to the cost of a call that had a core and the memory bus to itself).</summary>
    public sealed record Result(GgmlType Type, int Rows, int Cols, int Batch, SimdLevel Level,
        double MedianMicroseconds, double BestMicroseconds, double WeightBytesPerCall)
    {
        public double MedianGigabytesPerSecond => WeightBytesPerCall / MedianMicroseconds / 1e3;
        public double BestGigabytesPerSecond => WeightBytesPerCall / BestMicroseconds / 1e3;

        public override string ToString() =>
            $"{Type,-5} {Rows}×{Cols} batch {Batch,2} {Level}: median {MedianMicroseconds,8:F1} µs/call " +
            $"(best {BestMicroseconds:F1}), {MedianMicroseconds / Batch,7:F1} µs/token, " +
            $"weights read at {MedianGigabytesPerSecond,5:F1} GB/s (best {BestGigabytesPerSecond:F1})";
    }

    /// <summary>Runs <paramref name="calls"/> timed calls (after a warm-up of at least
    /// <paramref name="warmUp"/>, so tiered compilation has installed optimised code) of a random
    /// matrix; with <paramref name="fromMainMemory"/>, of copies of it that together exceed the caches.</summary>
    public static Result Measure(GgmlType type, int rows, int cols, int batch, int calls, SimdLevel level, TimeSpan warmUp, bool fromMainMemory = true)
    {
        var bytes = Quantizer.Quantize(type, Random(rows * cols, seed: 1, scale: 0.05f));
        var copies = fromMainMemory ? (int)Math.Max(1, BytesBeyondCache / bytes.Length) : 1;
        var memory = (byte*)NativeMemory.AlignedAlloc((nuint)((long)bytes.Length * copies), 64);
        try
        {
            var matrices = new WeightMatrix[copies];
            for (var k = 0; k < copies; k++)
            {
                var at = memory + (long)k * bytes.Length;
                bytes.CopyTo(new Span<byte>(at, bytes.Length));
                matrices[k] = new WeightMatrix(type, rows, cols, at);
            }
            var x = Random(batch * cols, seed: 2, scale: 1f);
            var y = new float[batch * rows];
            var warmUpWatch = Stopwatch.StartNew();
            for (var k = 0; k < copies || warmUpWatch.Elapsed < warmUp; k++)
                matrices[k % copies].MatMul(x, batch, y, 0, rows, level);
            var times = new double[calls];
            for (var i = 0; i < calls; i++)
            {
                var start = Stopwatch.GetTimestamp();
                matrices[i % copies].MatMul(x, batch, y, 0, rows, level);
                times[i] = Stopwatch.GetElapsedTime(start).TotalMicroseconds;
            }
            Array.Sort(times);
            return new Result(type, rows, cols, batch, level, times[calls / 2], times[0], bytes.Length);
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    /// <summary>The standard set: Q8_0 and Q4_0 at the Qwen2.5-0.5B FFN shapes (down: 896 × 4864;
    /// gate and up: 4864 × 896) at batch 1, 8 and 64, plus the other types at batch 1 (896 × 4864).
    /// <paramref name="small"/> runs the same cases on small matrices without warm-up (a quick check
    /// that the benchmark works, for the test suite).</summary>
    public static IEnumerable<Result> RunStandard(int calls, SimdLevel level, bool small = false)
    {
        var (rows, cols) = small ? (64, 512) : (896, 4864);
        var warmUp = small ? TimeSpan.Zero : TimeSpan.FromMilliseconds(500);
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 })
        {
            yield return Measure(type, rows, cols, 1, calls, level, warmUp, !small);
            yield return Measure(type, cols, rows, 1, calls, level, warmUp, !small);
            yield return Measure(type, rows, cols, 8, Math.Max(1, calls / 4), level, warmUp, !small);
            yield return Measure(type, rows, cols, 64, Math.Max(1, calls / 32), level, warmUp, !small);
        }
        foreach (var type in new[] { GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.Q3_K, GgmlType.Q2_K, GgmlType.IQ4_XS, GgmlType.Q4_1, GgmlType.Q5_0, GgmlType.Q5_1, GgmlType.IQ4_NL, GgmlType.F16, GgmlType.BF16, GgmlType.F32 })
            yield return Measure(type, rows, cols, 1, Math.Max(1, calls / 2), level, warmUp, !small);
    }

    private static float[] Random(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
            values[i] = (random.NextSingle() * 2 - 1) * scale;
        return values;
    }
}
