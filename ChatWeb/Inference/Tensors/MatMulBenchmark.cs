using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ChatWeb.Inference.Tensors;

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
    private const long BytesBeyondCache = 160L << 20;

    /// <param name="CpuMicrosecondsPerCall">The process's CPU time per call: on a busy machine, the
    /// cost while actually running (wall time also counts waiting for a core).</param>
    public sealed record Result(GgmlType Type, int Rows, int Cols, int Batch, SimdLevel Level,
        double MicrosecondsPerCall, double CpuMicrosecondsPerCall, double WeightBytesPerCall)
    {
        public double WeightGigabytesPerSecond => WeightBytesPerCall / MicrosecondsPerCall / 1e3;
        public double MicrosecondsPerToken => MicrosecondsPerCall / Batch;

        public override string ToString() =>
            $"{Type,-5} {Rows}×{Cols} batch {Batch,2} {Level}: {MicrosecondsPerCall,8:F1} µs/call " +
            $"({CpuMicrosecondsPerCall:F1} µs CPU), {MicrosecondsPerToken,7:F1} µs/token, " +
            $"weights read at {WeightGigabytesPerSecond,5:F1} GB/s ({WeightBytesPerCall / CpuMicrosecondsPerCall / 1e3:F1} GB/s per CPU second)";
    }

    /// <summary>Runs <paramref name="calls"/> timed calls (after a warm-up) of a random matrix.</summary>
    public static Result Measure(GgmlType type, int rows, int cols, int batch, int calls, SimdLevel level)
    {
        var bytes = Quantizer.Quantize(type, Random(rows * cols, seed: 1, scale: 0.05f));
        var copies = (int)Math.Max(1, BytesBeyondCache / bytes.Length);
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
            // Warm up long enough for the JIT's tiered compilation to install optimised code.
            var warmUp = Stopwatch.StartNew();
            for (var k = 0; k < 50 || warmUp.ElapsedMilliseconds < 500; k++)
                matrices[k % copies].MatMul(x, batch, y, 0, rows, level);
            using var process = Process.GetCurrentProcess();
            var cpuStart = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < calls; i++)
                matrices[i % copies].MatMul(x, batch, y, 0, rows, level);
            watch.Stop();
            process.Refresh();
            var cpu = process.TotalProcessorTime - cpuStart;
            return new Result(type, rows, cols, batch, level, watch.Elapsed.TotalMicroseconds / calls, cpu.TotalMicroseconds / calls, bytes.Length);
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }

    /// <summary>The standard set: Q8_0 and Q4_0 at the Qwen2.5-0.5B FFN shapes (down: 896 × 4864;
    /// gate and up: 4864 × 896), batch 1 and 8, plus the other types at batch 1.</summary>
    public static IEnumerable<Result> RunStandard(int calls, SimdLevel level)
    {
        foreach (var type in new[] { GgmlType.Q8_0, GgmlType.Q4_0 })
        {
            yield return Measure(type, 896, 4864, 1, calls, level);
            yield return Measure(type, 4864, 896, 1, calls, level);
            yield return Measure(type, 896, 4864, 8, Math.Max(1, calls / 4), level);
        }
        foreach (var type in new[] { GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.F16, GgmlType.BF16, GgmlType.F32 })
            yield return Measure(type, 896, 4864, 1, Math.Max(1, calls / 2), level);
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
