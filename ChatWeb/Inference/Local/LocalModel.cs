using ChatWeb.Inference.Gguf;
using ChatWeb.Inference.Model;
using ChatWeb.Inference.Tokenization;

namespace ChatWeb.Inference.Local;

/// <summary>A GGUF model loaded for chat: the transformer, its tokenizer and its chat template.</summary>
internal sealed class LocalModel : IDisposable
{
    private LocalModel(string name, Transformer transformer, Tokenizer tokenizer, string? chatTemplate, ModelOptions options)
    {
        Name = name;
        Transformer = transformer;
        Tokenizer = tokenizer;
        ChatTemplate = chatTemplate;
        Options = options;
    }

    /// <summary>The model's display name (<c>general.name</c>, else the file name).</summary>
    public string Name { get; }
    public Transformer Transformer { get; }
    public Tokenizer Tokenizer { get; }

    /// <summary>The Jinja chat template (the setting, else the file's), or null when there is none.</summary>
    public string? ChatTemplate { get; }
    public ModelOptions Options { get; }

    /// <summary>Loads the file; a missing, unreadable or unsupported file throws with a message that says which and why.</summary>
    public static LocalModel Load(ModelOptions options)
    {
        var path = options.Path;
        if (string.IsNullOrWhiteSpace(path))
            throw new FileNotFoundException("No model configured (set ChatWeb:Model:Path or pass --model <file.gguf>).");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' was not found (ChatWeb:Model:Path).", path);

        var transformer = Transformer.Load(path, new EngineOptions { Threads = options.Threads });
        try
        {
            var tokenizer = GgufTokenizerLoader.Load(transformer.File);
            if (tokenizer.VocabularySize < transformer.Config.VocabSize)
                throw new GgufFormatException(
                    $"The tokenizer has {tokenizer.VocabularySize} tokens but the model outputs {transformer.Config.VocabSize}", 0);
            var name = transformer.File.GetString("general.name") is { Length: > 0 } n ? n : System.IO.Path.GetFileNameWithoutExtension(path);
            var template = string.IsNullOrWhiteSpace(options.ChatTemplate) ? transformer.File.GetString("tokenizer.chat_template") : options.ChatTemplate;
            return new LocalModel(name, transformer, tokenizer, template, options);
        }
        catch
        {
            transformer.Dispose();
            throw;
        }
    }

    public void Dispose() => Transformer.Dispose();
}
