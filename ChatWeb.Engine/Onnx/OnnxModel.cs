using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Tokenization;
using Microsoft.ML.OnnxRuntimeGenAI;
using Tokenizer = ChatWeb.Engine.Tokenization.Tokenizer;
using OgaModel = Microsoft.ML.OnnxRuntimeGenAI.Model;

namespace ChatWeb.Engine.Onnx;

/// <summary>
/// An ONNX Runtime GenAI model loaded for chat: the native model (its session on the configured execution
/// provider), ChatWeb's tokenizer over the folder's tokenizer.json, and the chat template from
/// tokenizer_config.json. Text is ChatWeb's (template, tokens, decoding); ONNX Runtime runs the network.
/// </summary>
internal sealed class OnnxModel : IDisposable
{
    private OnnxModel(OnnxModelFolder folder, OgaModel model, Tokenizer tokenizer, string? chatTemplate, ModelOptions options)
    {
        Folder = folder;
        Model = model;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        Options = options;
    }

    public OnnxModelFolder Folder { get; }
    public OgaModel Model { get; }
    public Tokenizer Tokenizer { get; }
    public string? ChatTemplate { get; }
    public ModelOptions Options { get; }
    public string Name => Folder.Name;

    /// <summary>
    /// Reads the config, creates the session on the configured provider, then builds the tokenizer, reporting
    /// each stage. Anything that makes the folder unusable throws <see cref="OnnxModelException"/> saying what
    /// to do (a provider this build lacks names the flavour to build).
    /// </summary>
    public static OnnxModel Load(ModelOptions options, Action<ModelLoadProgress>? report = null, CancellationToken cancellationToken = default)
    {
        var path = options.Path ?? throw new OnnxModelException("No model configured (set ChatWeb:Model:Path).");
        report?.Invoke(new ModelLoadProgress(ModelLoadProgress.ReadingConfig, 0, 0));
        var folder = OnnxModelFolder.Read(path);
        var provider = options.ExecutionProvider.ToLowerInvariant();
        OnnxRuntimeFlavour.Require(provider);
        var bytes = folder.Files().Sum(f => f.Bytes);
        cancellationToken.ThrowIfCancellationRequested();

        report?.Invoke(new ModelLoadProgress(ModelLoadProgress.CreatingSession, 0, bytes));
        var model = CreateModel(folder, options, provider);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            report?.Invoke(new ModelLoadProgress(ModelLoadProgress.BuildingTokenizer, bytes, bytes));
            Tokenizer tokenizer;
            try
            {
                tokenizer = HuggingFaceTokenizerLoader.LoadAny(folder.TokenizerFile, folder.TokenizerConfigFile);
            }
            catch (Exception e) when (e is InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
            {
                throw new OnnxModelException($"The tokenizer in '{path}' could not be read: {e.Message}", e);
            }
            // (a model may output more logits than the tokenizer has tokens: Qwen pads 151,665 tokens to 151,936)
            var template = string.IsNullOrWhiteSpace(options.ChatTemplate) ? folder.ReadChatTemplate() : options.ChatTemplate;
            return new OnnxModel(folder, model, tokenizer, template, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The native model on <paramref name="provider"/> with ChatWeb's thread count; ONNX Runtime's errors become <see cref="OnnxModelException"/>.</summary>
    private static OgaModel CreateModel(OnnxModelFolder folder, ModelOptions options, string provider)
    {
        try
        {
            using var config = new Config(folder.Path);
            config.ClearProviders();
            if (provider != "cpu")
            {
                config.AppendProvider(provider);
                config.SetProviderOption(provider, "device_id", options.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture));
                foreach (var (name, value) in options.ProviderOptions)
                    config.SetProviderOption(provider, name, value);
            }
            if (options.Threads > 0)
                config.Overlay("{\"model\":{\"decoder\":{\"session_options\":{\"intra_op_num_threads\":" + options.Threads + "}}}}");
            return new OgaModel(config);
        }
        catch (Exception e) when (e is OnnxRuntimeGenAIException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            throw new OnnxModelException($"ONNX Runtime GenAI could not open '{folder.Path}' on {provider}: {e.Message}", e);
        }
    }

    public void Dispose() => Model.Dispose();
}
