using System.Text.Json;
using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Engine.Cli;

/// <summary>The <c>tokenizer.*</c> metadata that <c>model make</c> writes: a byte-level BPE vocabulary of exactly the shape's size.</summary>
internal sealed class TokenizerSection
{
    private readonly List<KeyValuePair<string, object>> _metadata;

    private TokenizerSection(List<KeyValuePair<string, object>> metadata) => _metadata = metadata;

    public string[] Tokens => (string[])Value("tokenizer.ggml.tokens")!;
    public string[] Merges => (string[])Value("tokenizer.ggml.merges")!;
    public int Eos => (int)(uint)Value("tokenizer.ggml.eos_token_id")!;
    public string? ChatTemplate => (string?)Value("tokenizer.chat_template");

    private object? Value(string key) => _metadata.FirstOrDefault(kv => kv.Key == key).Value;

    public void AddTo(Gguf.GgufWriter writer)
    {
        foreach (var (key, value) in _metadata)
            writer.Add(key, value);
    }

    /// <summary>
    /// A made-up vocabulary of exactly <paramref name="size"/> tokens: the 256 bytes in GPT-2's
    /// byte-to-character mapping, then merged pairs and triples, then three ChatML control tokens.
    /// </summary>
    public static TokenizerSection Generate(int size, string preTokenizer)
    {
        string[] specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
        var bytes = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.Encode((byte)b).ToString()).ToArray();
        var tokens = new List<string>(size);
        var merges = new List<string>();
        tokens.AddRange(bytes);
        var regular = size - specials.Length;
        for (var a = 0; a < 256 && tokens.Count < regular; a++)
        {
            for (var b = 0; b < 256 && tokens.Count < regular; b++)
            {
                tokens.Add(bytes[a] + bytes[b]);
                merges.Add($"{bytes[a]} {bytes[b]}");
            }
        }
        for (var pair = 256; tokens.Count < regular; pair++)
        {
            var c = bytes[pair % 256];
            tokens.Add(tokens[pair] + c);
            merges.Add($"{tokens[pair]} {c}");
        }
        tokens.AddRange(specials);
        var types = tokens.Select((_, i) => (int)(i >= regular ? TokenType.Control : TokenType.Normal)).ToArray();
        return new TokenizerSection(
        [
            new("tokenizer.ggml.model", "gpt2"),
            new("tokenizer.ggml.pre", preTokenizer),
            new("tokenizer.ggml.tokens", tokens.ToArray()),
            new("tokenizer.ggml.token_type", types),
            new("tokenizer.ggml.merges", merges.ToArray()),
            new("tokenizer.ggml.bos_token_id", (uint)regular),
            new("tokenizer.ggml.eos_token_id", (uint)regular),
            new("tokenizer.ggml.add_bos_token", false),
        ]);
    }

    /// <summary>
    /// A Hugging Face <c>tokenizer.json</c> (with <c>tokenizer_config.json</c> beside it for the chat
    /// template and special tokens), padded with unused tokens to the shape's <paramref name="size"/>.
    /// </summary>
    public static TokenizerSection FromHuggingFace(string tokenizerJson, int size)
    {
        var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerJson))!, "tokenizer_config.json");
        List<KeyValuePair<string, object>> metadata;
        try
        {
            metadata = GgufTokenizerMetadata.FromHuggingFace(tokenizerJson, config);
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CliException($"{tokenizerJson} is not a usable Hugging Face BPE tokenizer: {e.Message}");
        }

        var section = new TokenizerSection(metadata);
        var tokens = section.Tokens;
        if (tokens.Length > size)
            throw new CliException($"{tokenizerJson} has {tokens.Length} tokens; the shape's vocabulary holds {size}.");
        var types = (int[])section.Value("tokenizer.ggml.token_type")!;
        section.Replace("tokenizer.ggml.tokens", tokens.Concat(Enumerable.Range(tokens.Length, size - tokens.Length).Select(i => $"[PAD{i}]")).ToArray());
        section.Replace("tokenizer.ggml.token_type", types.Concat(Enumerable.Repeat((int)TokenType.Unused, size - types.Length)).ToArray());
        return section;
    }

    private void Replace(string key, object value) =>
        _metadata[_metadata.FindIndex(kv => kv.Key == key)] = new(key, value);
}
