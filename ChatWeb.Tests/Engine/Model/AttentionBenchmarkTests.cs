using System.Diagnostics;
using System.Numerics.Tensors;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Tensors;
using ChatWeb.Tests.Engine.Tensors;
using Xunit.Abstractions;

namespace ChatWeb.Tests.Engine.Model;

/// <summary>
/// Times, on one thread, four prompt rows' attention over a long history for one key/value head of a
/// Qwen2.5-0.5B-shaped model (7 query heads, head size 64): row by row through <see cref="AttentionKernels"/>
/// and as one tile through <see cref="AttentionTileKernels"/> (softmax included in both). The suite runs a
/// short history so it keeps working; for real numbers give a number of calls:
/// <c>CHATWEB_BENCH_CALLS=200 dotnet test ChatWeb.Tests -c Release --filter "FullyQualifiedName~AttentionBenchmarkTests" --logger "console;verbosity=detailed"</c>.
/// Nothing about speed is asserted.
/// </summary>
public sealed unsafe class AttentionBenchmarkTests(ITestOutputHelper output)
{
    private const int Heads = 7, HeadDim = 64, Rows = AttentionWork.TileRows;

    [Fact]
    public void Benchmark_ReportsRowByRowAndTiled()
    {
        var requested = int.TryParse(Environment.GetEnvironmentVariable("CHATWEB_BENCH_CALLS"), out var n) ? n : 0;
        var (calls, positions) = requested == 0 ? (3, 100) : (requested, 1950);
        var stride = Sequence.Padded(positions);
        var keys = TensorTestData.Gaussian(HeadDim * stride, seed: 1);
        var values = TensorTestData.Gaussian(HeadDim * stride, seed: 2);
        var q = TensorTestData.Gaussian(Rows * Heads * HeadDim, seed: 3);
        var byPosition = new float[positions * HeadDim];
        var scores = new float[Rows * Heads * stride];
        var (rowOut, tileOut) = (new float[Rows * Heads * HeadDim], new float[Rows * Heads * HeadDim]);
        var scale = 0.125f;
        double rowByRow = double.MaxValue, tiled = double.MaxValue, transpose = double.MaxValue;
        fixed (float* k = keys, v = values, qp = q, t = byPosition, s = scores, ro = rowOut, to = tileOut)
        {
            var scaled = TensorTestData.Gaussian(Rows * Heads * HeadDim, seed: 4);
            for (var call = 0; call < calls + 2; call++) // two warm-up calls
            {
                var start = Stopwatch.GetTimestamp();
                for (var r = 0; r < Rows; r++)
                {
                    var seen = positions - Rows + 1 + r; // causal: row r sees its own position and those before it
                    AttentionKernels.ScoresHeads(qp + r * Heads * HeadDim, HeadDim, Heads, HeadDim, k, stride, seen, scale, s, seen);
                    for (var h = 0; h < Heads; h++)
                        TensorPrimitives.SoftMax(new Span<float>(s + h * seen, seen), new Span<float>(s + h * seen, seen));
                    AttentionKernels.WeightedValuesHeads(s, seen, Heads, seen, v, stride, HeadDim, ro + r * Heads * HeadDim, HeadDim);
                }
                var middle = Stopwatch.GetTimestamp();
                AttentionTileKernels.Transpose(v, stride, HeadDim, positions, t);
                var transposed = Stopwatch.GetTimestamp();
                fixed (float* qs = scaled)
                {
                    TensorPrimitives.Multiply(new ReadOnlySpan<float>(qp, q.Length), scale, new Span<float>(qs, q.Length));
                    AttentionTileKernels.Scores(qs, Rows * Heads, HeadDim, k, stride, positions, s, stride, Simd.Best);
                    for (var r = 0; r < Rows; r++)
                        for (var h = 0; h < Heads; h++)
                        {
                            var seen = positions - Rows + 1 + r;
                            var line = new Span<float>(s + (r * Heads + h) * stride, positions);
                            TensorPrimitives.SoftMax(line[..seen], line[..seen]);
                            line[seen..].Clear();
                        }
                    AttentionTileKernels.WeightedValues(s, stride, Rows * Heads, positions, t, HeadDim, to, Simd.Best);
                }
                var end = Stopwatch.GetTimestamp();
                if (call < 2)
                    continue;
                rowByRow = Math.Min(rowByRow, Stopwatch.GetElapsedTime(start, middle).TotalMicroseconds);
                transpose = Math.Min(transpose, Stopwatch.GetElapsedTime(middle, transposed).TotalMicroseconds);
                tiled = Math.Min(tiled, Stopwatch.GetElapsedTime(transposed, end).TotalMicroseconds);
            }
        }
        var macs = 2.0 * Rows * Heads * HeadDim * positions; // scores and weighted values
        output.WriteLine($"{Rows} rows × {Heads} heads × {HeadDim} over {positions} positions, one thread, best of {calls} ({Simd.Best}):");
        output.WriteLine($"  row by row {rowByRow,9:F1} µs ({macs / rowByRow / 1e3:F1} GMAC/s)");
        output.WriteLine($"  tiled      {tiled,9:F1} µs ({macs / tiled / 1e3:F1} GMAC/s), and {transpose:F1} µs to transpose the values once per run of rows");
        for (var i = 0; i < rowOut.Length; i++)
            Assert.True(Math.Abs(rowOut[i] - tileOut[i]) <= 1e-4f, $"output {i}: row by row {rowOut[i]}, tiled {tileOut[i]}");
    }
}
