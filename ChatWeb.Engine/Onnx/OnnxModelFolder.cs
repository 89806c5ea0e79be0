using System.Text.Json;

namespace ChatWeb.Engine.Onnx;

/// <summary>
/// An ONNX Runtime GenAI model folder as <c>genai_config.json</c> describes it: the model type and shape,
/// the decoder's ONNX file, the tokenizer files and the execution providers the config names. Reading it
/// checks what can be checked without ONNX Runtime, so that a broken folder fails with a message that says
/// what to do instead of a native error.
/// </summary>
public sealed record OnnxModelFolder
{
    /// <summary>The file that makes a folder an ONNX Runtime GenAI model.</summary>
    public const string ConfigFile = "genai_config.json";

    /// <summary>Decoder-only text models ONNX Runtime GenAI 0.20 runs (genai_config.json's model.type).</summary>
    public static readonly IReadOnlyList<string> TextModelTypes =
    [
        "chatglm", "decoder", "ernie4_5", "gemma", "gemma2", "gemma3_text", "gpt2", "gptoss", "granite", "llama",
        "mistral", "nemotron", "olmo", "phi", "phi3", "phi3small", "phimoe", "qwen2", "qwen3", "smollm3",
    ];

    /// <summary>The folder.</summary>
    public required string Path { get; init; }

    /// <summary>model.type ("llama", "qwen2", ...).</summary>
    public required string ModelType { get; init; }

    /// <summary>Transformer layers (model.decoder.num_hidden_layers).</summary>
    public required int Layers { get; init; }
    /// <summary>Attention heads (model.decoder.num_attention_heads).</summary>
    public required int Heads { get; init; }
    /// <summary>Key/value heads (model.decoder.num_key_value_heads).</summary>
    public required int KvHeads { get; init; }
    /// <summary>Size of one head (model.decoder.head_size).</summary>
    public required int HeadSize { get; init; }
    /// <summary>Width of the hidden state (model.decoder.hidden_size).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>The context the model was built for (model.context_length).</summary>
    public required int ContextLength { get; init; }

    /// <summary>Logits per step (model.vocab_size).</summary>
    public required int VocabSize { get; init; }

    /// <summary>model.eos_token_id (one id or several).</summary>
    public required IReadOnlyList<int> EosTokenIds { get; init; }

    /// <summary>The decoder's ONNX file name, relative to the folder.</summary>
    public required string DecoderFile { get; init; }

    /// <summary>Execution providers listed in the decoder's session options (empty: the CPU).</summary>
    public required IReadOnlyList<string> ConfigProviders { get; init; }

    /// <summary>True when <paramref name="path"/> is a folder with a genai_config.json.</summary>
    public static bool IsModelFolder(string? path) =>
        !string.IsNullOrWhiteSpace(path) && Directory.Exists(path) && File.Exists(System.IO.Path.Combine(path, ConfigFile));

    /// <summary>Reads and checks the folder; throws <see cref="OnnxModelException"/> saying what is wrong and what to do.</summary>
    public static OnnxModelFolder Read(string path)
    {
        var configPath = System.IO.Path.Combine(path, ConfigFile);
        if (!File.Exists(configPath))
            throw new OnnxModelException($"'{path}' has no {ConfigFile}: point ChatWeb:Model:Path at an ONNX Runtime GenAI model folder (genai_config.json, the .onnx file, tokenizer.json) or at a .gguf file.");
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(File.ReadAllBytes(configPath));
        }
        catch (JsonException e)
        {
            throw new OnnxModelException($"{ConfigFile} in '{path}' is not valid JSON ({e.Message}); repair it or write it again with the ONNX Runtime GenAI model builder.", e);
        }
        using (json)
        {
            try
            {
                var model = json.RootElement.GetProperty("model");
                var type = model.GetProperty("type").GetString() ?? "";
                if (!TextModelTypes.Contains(type))
                    throw new OnnxModelException($"{ConfigFile} in '{path}' names the model type '{type}', which is not a text model ONNX Runtime GenAI runs; ChatWeb runs {string.Join(", ", TextModelTypes)}.");
                var decoder = model.GetProperty("decoder");
                var file = decoder.GetProperty("filename").GetString() ?? "";
                if (!File.Exists(System.IO.Path.Combine(path, file)))
                    throw new OnnxModelException($"'{file}' (named by {ConfigFile}, model.decoder.filename) is missing from '{path}'; copy the model's ONNX file (and its .onnx.data file, if it has one) there.");
                var folder = new OnnxModelFolder
                {
                    Path = path,
                    ModelType = type,
                    Layers = decoder.GetProperty("num_hidden_layers").GetInt32(),
                    Heads = decoder.GetProperty("num_attention_heads").GetInt32(),
                    KvHeads = decoder.TryGetProperty("num_key_value_heads", out var kv) ? kv.GetInt32() : decoder.GetProperty("num_attention_heads").GetInt32(),
                    HeadSize = decoder.GetProperty("head_size").GetInt32(),
                    HiddenSize = decoder.GetProperty("hidden_size").GetInt32(),
                    ContextLength = model.GetProperty("context_length").GetInt32(),
                    VocabSize = model.GetProperty("vocab_size").GetInt32(),
                    EosTokenIds = model.TryGetProperty("eos_token_id", out var eos)
                        ? eos.ValueKind == JsonValueKind.Array ? [.. eos.EnumerateArray().Select(e => e.GetInt32())] : [eos.GetInt32()]
                        : [],
                    DecoderFile = file,
                    ConfigProviders = decoder.TryGetProperty("session_options", out var session) && session.TryGetProperty("provider_options", out var providers)
                        ? [.. providers.EnumerateArray().SelectMany(p => p.EnumerateObject().Select(o => o.Name))]
                        : [],
                };
                if (!File.Exists(folder.TokenizerFile))
                    throw new OnnxModelException($"tokenizer.json is missing from '{path}'; copy the model's tokenizer.json and tokenizer_config.json there (ChatWeb tokenizes with them).");
                return folder;
            }
            catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new OnnxModelException($"{ConfigFile} in '{path}' lacks a setting ChatWeb needs ({e.Message}); write it again with the ONNX Runtime GenAI model builder.", e);
            }
        }
    }

    /// <summary>The model's display name: the folder's name.</summary>
    public string Name => System.IO.Path.GetFileName(System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(Path)));

    /// <summary>The folder's tokenizer.json.</summary>
    public string TokenizerFile => System.IO.Path.Combine(Path, "tokenizer.json");

    /// <summary>The folder's tokenizer_config.json (the chat template).</summary>
    public string TokenizerConfigFile => System.IO.Path.Combine(Path, "tokenizer_config.json");

    /// <summary>The chat template in tokenizer_config.json (a string, or the "default" of a named list); null when there is none.</summary>
    public string? ReadChatTemplate()
    {
        if (!File.Exists(TokenizerConfigFile))
            return null;
        using var json = JsonDocument.Parse(File.ReadAllBytes(TokenizerConfigFile));
        if (!json.RootElement.TryGetProperty("chat_template", out var template))
            return null;
        return template.ValueKind switch
        {
            JsonValueKind.String => template.GetString(),
            JsonValueKind.Array => template.EnumerateArray()
                .Where(t => t.TryGetProperty("name", out var n) && n.GetString() == "default")
                .Select(t => t.GetProperty("template").GetString()).FirstOrDefault(),
            _ => null,
        };
    }

    /// <summary>Every file in the folder with its size, largest first.</summary>
    public IEnumerable<(string Name, long Bytes)> Files() =>
        new DirectoryInfo(Path).EnumerateFiles()
            .Select(f => (f.Name, Bytes: (f.ResolveLinkTarget(returnFinalTarget: true) as FileInfo)?.Length ?? f.Length)) // a link counts as its file
            .OrderByDescending(f => f.Bytes);
}
