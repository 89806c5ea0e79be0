using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Engine.Local;

/// <summary>A GGUF model loaded for chat: the transformer, its tokenizer and its chat template.</summary>
public sealed class LocalModel : IDisposable
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
    /// <summary>The forward pass over the weights (memory-mapped from the file).</summary>
    public Transformer Transformer { get; }
    /// <summary>The file's tokenizer.</summary>
    public Tokenizer Tokenizer { get; }

    /// <summary>The Jinja chat template (the setting, else the file's), or null when there is none.</summary>
    public string? ChatTemplate { get; }
    /// <summary>The settings it was loaded with.</summary>
    public ModelOptions Options { get; }

    /// <summary>
    /// Loads the file: opens and maps it, checks the model's shape, builds the tokenizer, then reads the
    /// weights into memory in file order (so the first answer does not wait on the disk), reporting each
    /// stage and the bytes read through <paramref name="report"/>. A missing, unreadable or unsupported
    /// file throws with a message that says which and why.
    /// </summary>
    public static LocalModel Load(ModelOptions options, Action<ModelLoadProgress>? report = null, CancellationToken cancellationToken = default)
    {
        var path = options.Path;
        if (string.IsNullOrWhiteSpace(path))
            throw new FileNotFoundException("No model configured (set ChatWeb:Model:Path or pass --model <file.gguf>).");
        if (!File.Exists(path))
            throw new FileNotFoundException($"Model file '{path}' was not found (ChatWeb:Model:Path).", path);

        report?.Invoke(new ModelLoadProgress(ModelLoadProgress.Opening, 0, 0));
        var file = GgufFile.Open(path);
        var totalBytes = WeightPrefetch.TotalBytes(file);
        Transformer transformer;
        try
        {
            report?.Invoke(new ModelLoadProgress(ModelLoadProgress.Checking, 0, totalBytes));
            transformer = Transformer.Load(file, new EngineOptions { Threads = options.Threads, KvCacheType = options.KvCacheType });
        }
        catch
        {
            file.Dispose();
            throw;
        }
        try
        {
            report?.Invoke(new ModelLoadProgress(ModelLoadProgress.BuildingTokenizer, 0, totalBytes));
            var tokenizer = GgufTokenizerLoader.Load(transformer.File);
            if (tokenizer.VocabularySize < transformer.Config.VocabSize)
                throw new GgufFormatException(
                    $"The tokenizer has {tokenizer.VocabularySize} tokens but the model outputs {transformer.Config.VocabSize}", 0);
            var name = transformer.File.GetString("general.name") is { Length: > 0 } n ? n : System.IO.Path.GetFileNameWithoutExtension(path);
            var template = string.IsNullOrWhiteSpace(options.ChatTemplate) ? transformer.File.GetString("tokenizer.chat_template") : options.ChatTemplate;

            WeightPrefetch.Read(file, (read, total) => report?.Invoke(new ModelLoadProgress(ModelLoadProgress.ReadingWeights, read, total)),
                cancellationToken);
            return new LocalModel(name, transformer, tokenizer, template, options);
        }
        catch
        {
            transformer.Dispose();
            throw;
        }
    }

    /// <summary>Unmaps the weights and stops the model's threads.</summary>
    public void Dispose() => Transformer.Dispose();
}
