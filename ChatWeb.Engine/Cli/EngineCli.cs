using ChatWeb.Engine.Gguf;

namespace ChatWeb.Engine.Cli;

/// <summary>
/// The engine's command-line tools, dispatched before the web host starts:
/// <c>model info</c>, <c>model make</c>, <c>bench</c> and <c>bench-serve</c>.
/// </summary>
public static class EngineCli
{
    /// <summary>What the tools take, printed after a usage error.</summary>
    public const string Usage = """
        ChatWeb engine tools:
          model info <file.gguf | onnx-folder>
              architecture, size, tensor types, context length, tokenizer and chat template
              (an ONNX Runtime GenAI folder: model type, shape, files and sizes, providers)
          model make --shape <tiny|qwen2.5-0.5b|llama-1b> --type <f32|f16|bf16|q8_0|q6_k|q5_k|q5_1|q5_0|q4_k|q4_1|q4_0|iq4_xs|iq4_nl|q3_k|q2_k|q5_k_m|q4_k_m|q3_k_m> --out <file.gguf> [--tokenizer tokenizer.json] [--seed N]
              writes a random-weight model of that real shape with a tokenizer section
          bench <file.gguf | onnx-folder> [--threads N] [--prompt 512] [--gen 128]
              prompt-processing and generation speed, and peak memory
          bench-serve <file.gguf | onnx-folder> [--clients 1,2,4,8,16] [--prompt 64] [--gen 128] [--threads N] [--chunk 64]
              the inference scheduler under that many concurrent clients
          bench-serve <file.gguf | onnx-folder> --turns 10 [--prompt 150] [--gen 50] [--threads N] [--chunk 64]
              one conversation's time to first token per turn, with and without its kept KV cache
        """;

    /// <summary>Runs a tool when the arguments name one and returns true; false means "start the web app".</summary>
    public static async Task<bool> TryRunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("model" or "bench" or "bench-serve"))
            return false;
        try
        {
            var rest = new CliArguments(args.Skip(args[0] == "model" ? 2 : 1));
            var command = args[0] == "model" ? (args.Length > 1 ? args[1] : "") : args[0];
            Environment.ExitCode = command switch
            {
                "info" => ModelInfoCommand.Run(rest, Console.Out),
                "make" => ModelMakeCommand.Run(rest, Console.Out, Console.Error),
                "bench" => BenchCommand.Run(rest, Console.Out, Console.Error),
                "bench-serve" => await ServeBenchCommand.RunAsync(rest, Console.Out),
                _ => throw new CliException($"Unknown command 'model {command}'."),
            };
        }
        catch (Exception e) when (e is CliException or GgufFormatException or Onnx.OnnxModelException or IOException or UnauthorizedAccessException or NotSupportedException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            if (e is CliException)
                Console.Error.WriteLine(Usage);
            Environment.ExitCode = 1;
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Console.Error.WriteLine($"error: the tokenizer file could not be read: {e.Message}");
            Environment.ExitCode = 1;
        }
        return true;
    }
}
