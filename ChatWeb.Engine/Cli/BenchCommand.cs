using System.Diagnostics;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Onnx;
using Microsoft.ML.OnnxRuntimeGenAI;
using ChatWeb.Engine.Sampling;

namespace ChatWeb.Engine.Cli;

/// <summary>
/// <c>bench &lt;file.gguf&gt;</c>: prompt-processing and generation speed in tokens per second, like
/// llama-bench's pp and tg tests (random prompt tokens; each generated token is the previous step's
/// argmax), and the process's peak resident memory. CPU seconds are printed beside wall-clock
/// seconds: on a shared machine their ratio shows how much of the time the threads actually ran.
/// </summary>
internal static class BenchCommand
{
    public static int Run(CliArguments args, TextWriter output, TextWriter progress)
    {
        if (args.Positional.Count != 1)
            throw new CliException("bench takes one model file.");
        var path = args.Positional[0];
        var threads = args.GetInt("threads", 0, min: 1);
        var promptTokens = args.GetInt("prompt", 512, min: 1);
        var generateTokens = args.GetInt("gen", 128, min: 0);
        args.RejectUnknown();
        if (OnnxModelFolder.IsModelFolder(path))
            return RunOnnx(path, threads, promptTokens, generateTokens, output, progress);
        if (!File.Exists(path))
            throw new CliException($"No such file: {Path.GetFullPath(path)}");

        using var model = Transformer.Load(path, new EngineOptions { Threads = threads });
        var c = model.Config;
        output.WriteLine($"{Path.GetFileName(path)}: {c.Architecture.Name}, {c.LayerCount} layers, dim {c.Dim}, vocab {c.VocabSize}; {model.ThreadCount} threads");
        var logits = new float[c.VocabSize];
        var random = new Random(42);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(c.VocabSize)).ToArray();

        // warm-up: touches every weight once (page faults of the mapped file) and starts the threads
        progress.Write("warming up...");
        model.Prefill(model.CreateSequence(capacity: 2), prompt.AsSpan(0, 1), logits);

        var sequence = model.CreateSequence(capacity: promptTokens + generateTokens);
        var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        // one Prefill, as a chat's prompt: the engine feeds it in batches of MaxBatch and computes the
        // logits once, for the last token (as llama-bench's pp test)
        progress.Write($"\rprompt {promptTokens} tokens...      ");
        model.Prefill(sequence, prompt, logits);
        var promptSeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var promptCpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;

        cpuStart = process.TotalProcessorTime;
        clock.Restart();
        for (var i = 0; i < generateTokens; i++)
        {
            if (i % 8 == 0)
                progress.Write($"\rgenerate {i}/{generateTokens}      ");
            model.Decode(sequence, Sampler.ArgMax(logits), logits);
        }
        var generateSeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var generateCpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        progress.Write("\r                              \r");

        output.WriteLine($"prompt    {promptTokens,5} tokens  {promptTokens / promptSeconds,8:F1} tokens/s  ({promptSeconds:F2} s, CPU {promptCpu:F2} s)");
        if (generateTokens > 0)
            output.WriteLine($"generate  {generateTokens,5} tokens  {generateTokens / generateSeconds,8:F1} tokens/s  ({generateSeconds:F2} s, CPU {generateCpu:F2} s)");
        var kvBytes = 2L * c.LayerCount * (promptTokens + generateTokens) * c.KvDim * sizeof(float);
        output.WriteLine($"peak memory {ModelInfoCommand.Megabytes(Process.GetCurrentProcess().PeakWorkingSet64)} " +
            $"(file {ModelInfoCommand.Megabytes(new FileInfo(path).Length)}, KV cache {ModelInfoCommand.Megabytes(kvBytes)})");
        return 0;
    }

    /// <summary>The same measurements on ONNX Runtime GenAI: one generator reads the prompt in one call, then generates greedily.</summary>
    private static int RunOnnx(string path, int threads, int promptTokens, int generateTokens, TextWriter output, TextWriter progress)
    {
        using var model = OnnxModel.Load(new ModelOptions { Path = path, Threads = threads });
        var f = model.Folder;
        output.WriteLine($"{f.Name}: ONNX Runtime GenAI ({OnnxRuntimeFlavour.Current}), {f.ModelType}, {f.Layers} layers, hidden {f.HiddenSize}, vocab {f.VocabSize}; " +
                         $"{(threads > 0 ? threads.ToString() : "default")} threads");
        var random = new Random(42);
        var prompt = Enumerable.Range(0, promptTokens).Select(_ => random.Next(f.VocabSize)).ToArray();
        Generator Start(int length)
        {
            using var parameters = new GeneratorParams(model.Model);
            OnnxScheduler.SetSearchOptions(parameters, new SamplerOptions(), length, f.VocabSize);
            return new Generator(model.Model, parameters);
        }

        progress.Write("warming up...");
        using (var warm = Start(4))
            warm.AppendTokens(prompt.AsSpan(0, 1));

        using var generator = Start(promptTokens + generateTokens + 1);
        var process = Process.GetCurrentProcess();
        var cpuStart = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        progress.Write($"\rprompt {promptTokens} tokens      ");
        generator.AppendTokens(prompt);
        var promptSeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var promptCpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;

        generator.GenerateNextToken(); // picks the first token from the prompt's logits (no forward pass)
        cpuStart = process.TotalProcessorTime;
        clock.Restart();
        for (var i = 0; i < generateTokens; i++)
        {
            if (i % 8 == 0)
                progress.Write($"\rgenerate {i}/{generateTokens}      ");
            generator.GenerateNextToken(); // a forward pass over the last token, then argmax
        }
        var generateSeconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        var generateCpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        progress.Write("\r                              \r");

        output.WriteLine($"prompt    {promptTokens,5} tokens  {promptTokens / promptSeconds,8:F1} tokens/s  ({promptSeconds:F2} s, CPU {promptCpu:F2} s)");
        if (generateTokens > 0)
            output.WriteLine($"generate  {generateTokens,5} tokens  {generateTokens / generateSeconds,8:F1} tokens/s  ({generateSeconds:F2} s, CPU {generateCpu:F2} s)");
        output.WriteLine($"peak memory {ModelInfoCommand.Megabytes(Process.GetCurrentProcess().PeakWorkingSet64)} (folder {ModelInfoCommand.Megabytes(f.Files().Sum(x => x.Bytes))})");
        return 0;
    }
}
