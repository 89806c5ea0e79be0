using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Onnx;

namespace ChatWeb.Engine.Cli;

/// <summary><c>model info &lt;file.gguf | onnx folder&gt;</c>: what a model file (or ONNX Runtime GenAI folder) holds.</summary>
internal static class ModelInfoCommand
{
    public static int Run(CliArguments args, TextWriter output)
    {
        if (args.Positional.Count != 1)
            throw new CliException("model info takes one file name.");
        args.RejectUnknown();
        var path = args.Positional[0];
        if (Directory.Exists(path))
            return OnnxInfo(path, output);
        if (!File.Exists(path))
            throw new CliException($"No such file: {Path.GetFullPath(path)}");

        using var file = GgufFile.Open(path);
        var arch = file.GetString("general.architecture") ?? "(none)";
        output.WriteLine($"file           {Path.GetFileName(path)} ({Megabytes(file.FileSize)}, GGUF v{file.Version})");
        if (file.GetString("general.name") is { } name)
            output.WriteLine($"name           {name}");
        output.WriteLine($"architecture   {arch}");
        var parameters = file.Tensors.Sum(t => t.ElementCount);
        output.WriteLine($"parameters     {parameters / 1e6:F1} M in {file.Tensors.Count} tensors");
        var types = file.Tensors.GroupBy(t => t.Type).OrderByDescending(g => g.Sum(t => t.ByteSize))
            .Select(g => $"{g.Key} ×{g.Count()} ({Megabytes(g.Sum(t => t.ByteSize))})");
        output.WriteLine($"tensor types   {(file.Tensors.Count == 0 ? "none (a vocabulary-only file)" : string.Join(", ", types))}");
        try
        {
            var c = ModelConfig.FromGguf(file);
            output.WriteLine($"context        {c.ContextLength} tokens");
            output.WriteLine($"shape          {c.LayerCount} layers, dim {c.Dim}, {c.HeadCount} heads ({c.KvHeadCount} key/value, head size {c.HeadDim}), FFN {c.FfnDim}, vocab {c.VocabSize}");
            output.WriteLine($"rope           {c.Architecture.Rope}, base {c.RopeBase}{(file.FindTensor("rope_freqs.weight") is null ? "" : ", frequency factors")}{(c.RopeScale != 1 ? $", linear scaling ×{1 / c.RopeScale}" : "")}");
            output.WriteLine($"output         {(file.FindTensor("output.weight") is null ? "tied to the token embedding" : "separate")}");
            if (c.SlidingWindow > 0)
                output.WriteLine($"sliding window {c.SlidingWindow} tokens on {Enumerable.Range(0, c.LayerCount).Count(c.IsSliding)} of {c.LayerCount} layers");
            var perThousand = Enum.GetValues<KvCacheType>().Select(t => $"{t} {Megabytes(Sequence.Bytes(c, 1000, t, new EngineOptions().MaxBatch))}");
            output.WriteLine($"KV cache       per 1000 tokens: {string.Join(", ", perThousand)}");
            _ = ModelWeights.Load(file, c); // every tensor present, of the right shape and a type with kernels
            output.WriteLine("engine         can run this file");
        }
        catch (GgufFormatException e)
        {
            output.WriteLine($"engine         cannot run this file: {e.Message}");
        }
        var tokens = file.Metadata.GetValueOrDefault("tokenizer.ggml.tokens") as Array;
        output.WriteLine(tokens is null ? "tokenizer      none"
            : $"tokenizer      {file.GetString("tokenizer.ggml.model")}{(file.GetString("tokenizer.ggml.pre") is { } pre ? $" (pre-tokenizer {pre})" : "")}, {tokens.Length} tokens");
        var template = file.GetString("tokenizer.chat_template");
        output.WriteLine($"chat template  {(template is null ? "none" : $"present ({template.Length} characters)")}");
        return 0;
    }

    /// <summary>An ONNX Runtime GenAI folder: its config's model type and shape, its files, the providers its config names.</summary>
    private static int OnnxInfo(string path, TextWriter output)
    {
        var folder = OnnxModelFolder.Read(path);
        output.WriteLine($"folder         {folder.Name} (ONNX Runtime GenAI model)");
        output.WriteLine($"model type     {folder.ModelType}");
        output.WriteLine($"context        {folder.ContextLength} tokens");
        output.WriteLine($"shape          {folder.Layers} layers, hidden {folder.HiddenSize}, {folder.Heads} heads ({folder.KvHeads} key/value, head size {folder.HeadSize}), vocab {folder.VocabSize}");
        output.WriteLine($"decoder        {folder.DecoderFile}");
        foreach (var (name, bytes) in folder.Files())
            output.WriteLine($"file           {name} ({Megabytes(bytes)})");
        output.WriteLine($"providers      {(folder.ConfigProviders.Count == 0 ? "none named (the CPU)" : string.Join(", ", folder.ConfigProviders))}; this build ({OnnxRuntimeFlavour.Current}) runs {string.Join(", ", OnnxRuntimeFlavour.Providers)}");
        var template = folder.ReadChatTemplate();
        output.WriteLine($"chat template  {(template is null ? "none" : $"present ({template.Length} characters)")}");
        return 0;
    }

    internal static string Megabytes(long bytes) => $"{bytes / 1e6:F1} MB";
}
