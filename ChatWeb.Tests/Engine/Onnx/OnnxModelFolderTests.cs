using ChatWeb.Engine.Cli;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Onnx;

namespace ChatWeb.Tests.Engine.Onnx;

/// <summary>Broken ONNX model folders fail with a message that says what to do; the good one is described by model info.</summary>
public sealed class OnnxModelFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("chatweb-onnx-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A folder of links to the shared stories260K-onnx files (used in place), without <paramref name="leaveOut"/>; <paramref name="config"/> replaces genai_config.json.</summary>
    internal static void LinkStories(string folder, string? leaveOut = null, string? config = null)
    {
        foreach (var file in Directory.GetFiles(OnnxStoriesTests.Folder))
        {
            var name = Path.GetFileName(file);
            if (name == leaveOut || (name == OnnxModelFolder.ConfigFile && config is not null))
                continue;
            File.CreateSymbolicLink(Path.Combine(folder, name), file);
        }
        if (config is not null)
            File.WriteAllText(Path.Combine(folder, OnnxModelFolder.ConfigFile), config);
    }

    internal static string StoriesConfig => File.ReadAllText(Path.Combine(OnnxStoriesTests.Folder, OnnxModelFolder.ConfigFile));

    public static TheoryData<string?, string?, string> BrokenFolders => new()
    {
        { "model.onnx", null, "copy the model's ONNX file" },
        { "tokenizer.json", null, "copy the model's tokenizer.json" },
        { null, "{ \"model\": ", "not valid JSON" },
        { null, StoriesConfig.Replace("\"llama\"", "\"teapot\""), "names the model type 'teapot'" },
    };

    [Theory]
    [MemberData(nameof(BrokenFolders))]
    public void BrokenFolder_FailsWithWhatToDo(string? leaveOut, string? config, string expected)
    {
        LinkStories(_folder, leaveOut, config);

        var error = Assert.Throws<OnnxModelException>(() => OnnxModel.Load(new ModelOptions { Path = _folder }).Dispose());

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void CudaOnTheCpuFlavour_NamesTheFlavourToBuild()
    {
        var error = Assert.Throws<OnnxModelException>(() =>
            OnnxModel.Load(new ModelOptions { Path = OnnxStoriesTests.Folder, ExecutionProvider = "cuda" }).Dispose());

        Assert.Contains("-p:OnnxRuntimeGenAIFlavour=Cuda", error.Message);
        Assert.Contains("Microsoft.ML.OnnxRuntimeGenAI.Cuda", error.Message);
    }

    [Fact]
    public void ModelInfo_DescribesTheFolder()
    {
        var output = new StringWriter();

        var code = ModelInfoCommand.Run(new CliArguments([OnnxStoriesTests.Folder]), output);

        var text = output.ToString();
        Assert.Equal(0, code);
        Assert.Contains("model type     llama", text);
        Assert.Contains("5 layers, hidden 64, 8 heads (4 key/value, head size 8), vocab 512", text);
        Assert.Contains("context        512 tokens", text);
        Assert.Contains("model.onnx (1.2 MB)", text);
        Assert.Contains("providers      none named (the CPU); this build (Cpu) runs cpu", text);
    }
}
