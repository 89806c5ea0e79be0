using ChatWeb.Inference.Tensors;
using Xunit.Abstractions;

namespace ChatWeb.Tests.Inference.Tensors;

/// <summary>
/// Runs the MatMul benchmark briefly so it keeps working, and prints its figures. For real numbers
/// on a quiet machine (load &lt; 1.5), raise the number of calls:
/// <c>CHATWEB_BENCH_CALLS=2000 dotnet test ChatWeb.Tests -c Release --filter "FullyQualifiedName~MatMulBenchmarkTests" --logger "console;verbosity=detailed"</c>.
/// Nothing about speed is asserted.
/// </summary>
public sealed class MatMulBenchmarkTests(ITestOutputHelper output)
{
    [Fact]
    public void Benchmark_ReportsEveryStandardCase()
    {
        var calls = int.TryParse(Environment.GetEnvironmentVariable("CHATWEB_BENCH_CALLS"), out var n) ? n : 4;
        var results = MatMulBenchmark.RunStandard(calls, Simd.Best).ToList();
        foreach (var result in results)
            output.WriteLine(result.ToString());
        Assert.Equal(11, results.Count);
        Assert.All(results, r => Assert.True(r.MicrosecondsPerCall > 0 && r.WeightBytesPerCall >= 896 * 4864 / 2));
    }
}
