using System.ComponentModel.DataAnnotations;
using ChatWeb.Engine.Model;

namespace ChatWeb.Engine.Local;

/// <summary>
/// The local model, bound from <c>ChatWeb:Model</c> (appsettings, <c>ChatWeb__Model__Path</c>,
/// or <c>--model &lt;path&gt;</c> on the command line): a .gguf file runs on ChatWeb's engine, a folder with
/// genai_config.json on ONNX Runtime GenAI. Without a path ChatWeb runs the demo.
/// </summary>
public sealed class ModelOptions
{
    /// <summary>The configuration section these settings are read from.</summary>
    public const string Section = "ChatWeb:Model";

    /// <summary>The .gguf file, or the ONNX Runtime GenAI model folder, to load.</summary>
    public string? Path { get; set; }

    /// <summary>The name the model is served under (the page, /health, /v1's model id); default its own name (<c>general.name</c>, else the file's).</summary>
    public string? Alias { get; set; }

    /// <summary>Overrides the file's <c>tokenizer.chat_template</c> (Jinja) when set.</summary>
    public string? ChatTemplate { get; set; }

    /// <summary>Tokens an answer may have when the request does not say.</summary>
    [Range(1, 1_000_000)]
    public int MaxOutputTokens { get; set; } = 1024;

    /// <summary>Sampling temperature when the request does not say (0 = greedy).</summary>
    [Range(0.0, 5.0)]
    public float Temperature { get; set; } = 0.7f;

    /// <summary>Nucleus sampling when the request does not say (1 = off).</summary>
    [Range(0.01, 1.0)]
    public float TopP { get; set; } = 0.95f;

    /// <summary>Tokens the KV cache holds (prompt + answer); 0 = min(trained context, 4096).</summary>
    [Range(0, 1 << 20)]
    public int ContextTokens { get; set; }

    /// <summary>Threads for the forward pass; 0 = one per core.</summary>
    [Range(0, 1024)]
    public int Threads { get; set; }

    /// <summary>How the KV caches store keys and values: <c>ChatWeb:Inference:KvCacheType</c>, copied here when the model is chosen (not bound from this section).</summary>
    internal KvCacheType KvCacheType { get; set; } = KvCacheType.F16;

    /// <summary>ONNX models only: where ONNX Runtime GenAI runs the model: cpu, cuda or dml (the build's flavour must have it).</summary>
    [RegularExpression("^(cpu|cuda|dml)$", ErrorMessage = "ChatWeb:Model:ExecutionProvider must be cpu, cuda or dml.")]
    public string ExecutionProvider { get; set; } = "cpu";

    /// <summary>ONNX models only: the GPU to use with cuda or dml.</summary>
    [Range(0, 64)]
    public int DeviceId { get; set; }

    /// <summary>ONNX models only: further options passed to the execution provider as they are (name → value).</summary>
    public Dictionary<string, string> ProviderOptions { get; set; } = [];
}
