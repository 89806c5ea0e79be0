using ChatWeb.Engine.Cli;
using ChatWeb.Tests.Engine.Model;
using ChatWeb.Tests.Engine.Oracle;

namespace ChatWeb.Tests.Engine.Cli;

/// <summary><c>model info</c> tells whether the engine can run a file, and when not, names what it lacks.</summary>
public sealed class ModelInfoCoverageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatweb-info-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> OracleFiles
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var file in OracleFile.All)
                data.Add(file.Name);
            return data;
        }
    }

    private static string Info(string path)
    {
        var output = new StringWriter();
        Assert.Equal(0, ModelInfoCommand.Run(new CliArguments([path]), output));
        return output.ToString();
    }

    [Theory]
    [MemberData(nameof(OracleFiles))]
    public void EveryOracleFile_TheEngineCanRun(string name) =>
        Assert.Contains("engine         can run this file", Info(OracleFile.Named(name).GgufPath));

    [Fact]
    public void Gemma2_ShowsItsSlidingLayersAndTheirSmallerKvCache()
    {
        var output = Info(OracleFile.Named("gemma2-Q4_K_M").GgufPath);

        Assert.Contains("sliding window 16 tokens on 13 of 26 layers", output);
        // per 1000 tokens: 13 full layers × 1008 slots + 13 sliding layers × 272 slots (16 + 255, slots rounded up to 16), of 2 × 64 values
        Assert.Contains($"KV cache       per 1000 tokens: F32 {ModelInfoCommand.Megabytes((13 * 1008 + 13 * 272) * 128L * 4)}, F16 {ModelInfoCommand.Megabytes((13 * 1008 + 13 * 272) * 128L * 2)}", output);
    }

    [Fact]
    public void UnsupportedArchitecture_IsNamed()
    {
        var path = Path.Combine(_folder, "mamba.gguf");
        File.WriteAllBytes(path, new SyntheticModel { Architecture = "mamba" }.Build().ToGguf());

        Assert.Contains("engine         cannot run this file: Architecture 'mamba' is not supported (supported: llama, qwen2, qwen3, phi3, gemma2, gemma3)", Info(path));
    }
}
