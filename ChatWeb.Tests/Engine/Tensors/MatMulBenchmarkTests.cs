using ChatWeb.Engine.Tensors;
using Xunit.Abstractions;

namespace ChatWeb.Tests.Engine.Tensors;

/// <summary>
/// Runs the MatMul benchmark on small matrices so it keeps working. For real numbers (Qwen2.5-0.5B
/// FFN shapes, one thread) on a quiet machine (load &lt; 1.5), give a number of calls:
/// <c>CHATWEB_BENCH_CALLS=2000 dotnet test ChatWeb.Tests -c Release --filter "FullyQualifiedName~MatMulBenchmarkTests" --logger "console;verbosity=detailed"</c>.
/// Nothing about speed is asserted.
/// </summary>
public sealed class MatMulBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void Benchmark_ReportsEveryStandardCase()
    {
        var requested = int.TryParse(Environment.GetEnvironmentVariable("CHATWEB_BENCH_CALLS"), out var n) ? n : 0;
        var small = requested == 0; // the suite only checks that it runs, on small matrices
        var results = MatMulBenchmark.RunStandard(small ? 4 : requested, Simd.Best, small).ToList();
        foreach (var result in results)
            output.WriteLine(result.ToString());
        Assert.Equal(21, results.Count);
        Assert.All(results, r => Assert.True(r.BestMicroseconds > 0 && r.MedianMicroseconds >= r.BestMicroseconds && r.WeightBytesPerCall > 0));
    }
}
