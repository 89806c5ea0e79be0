using System.Text.Json;

namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// Converts a Hugging Face tokenizer (tokenizer.json + tokenizer_config.json) into the GGUF
/// <c>tokenizer.*</c> metadata that <see cref="GgufTokenizerLoader"/> reads back: the byte-level
/// BPE vocabulary, token types, merges, the pre-tokenizer name, special token ids and the chat template.
/// </summary>
internal static class GgufTokenizerMetadata
{
    // The split expressions of known tokenizer.json files, and the tokenizer.ggml.pre name each one means.
    private static readonly (string Name, string[] Patterns)[] KnownPreTokenizers =
    [
        ("qwen2", [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]),
        ("llama-bpe", [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]),
        ("gpt-2", [@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"]),
        ("smollm", [@"\p{N}", @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"]),
    ];

    /// <summary>
    /// GGUF key/values for the tokenizer in <paramref name="tokenizerJsonPath"/>, with BOS/EOS and the
    /// chat template from <paramref name="tokenizerConfigPath"/> when given. A pre-tokenizer that is
    /// none of gpt-2, llama-bpe, qwen2 or smollm is refused (its split rules could not be named in GGUF).
    /// </summary>
    public static List<KeyValuePair<string, object>> FromHuggingFace(string tokenizerJsonPath, string? tokenizerConfigPath)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        var root = json.RootElement;
        var vocabulary = HuggingFaceTokenizerLoader.ReadVocabulary(root, tokenizerJsonPath);
        var merges = HuggingFaceTokenizerLoader.ReadMerges(root.GetProperty("model"));
        var patterns = root.TryGetProperty("pre_tokenizer", out var pre)
            ? HuggingFaceTokenizerLoader.ReadSplitPatterns(pre, tokenizerJsonPath)
            : [];
        var preName = KnownPreTokenizers.FirstOrDefault(k => k.Patterns.SequenceEqual(patterns)).Name
            ?? throw new InvalidDataException(
                $"{tokenizerJsonPath}: its pre-tokenizer ({string.Join(" then ", patterns)}) is not one GGUF can name here (gpt-2, llama-bpe, qwen2, smollm).");

        var metadata = new List<KeyValuePair<string, object>>
        {
            new("tokenizer.ggml.model", "gpt2"),
            new("tokenizer.ggml.pre", preName),
            new("tokenizer.ggml.tokens", vocabulary.Tokens),
            new("tokenizer.ggml.token_type", vocabulary.Types.Select(t => (int)t).ToArray()),
            new("tokenizer.ggml.merges", merges.Select(m => m.Item1 + " " + m.Item2).ToArray()),
        };

        if (tokenizerConfigPath is not null && File.Exists(tokenizerConfigPath))
        {
            using var config = JsonDocument.Parse(File.ReadAllBytes(tokenizerConfigPath));
            var c = config.RootElement;
            void AddId(string configKey, string ggufKey)
            {
                if (HuggingFaceTokenizerLoader.SpecialTokenId(c, configKey, vocabulary.Tokens) is { } id)
                    metadata.Add(new(ggufKey, (uint)id));
            }
            AddId("bos_token", "tokenizer.ggml.bos_token_id");
            AddId("eos_token", "tokenizer.ggml.eos_token_id");
            AddId("pad_token", "tokenizer.ggml.padding_token_id");
            AddId("unk_token", "tokenizer.ggml.unknown_token_id");
            metadata.Add(new("tokenizer.ggml.add_bos_token", c.TryGetProperty("add_bos_token", out var addBos) && addBos.ValueKind == JsonValueKind.True));
            if (ChatTemplate(c) is { } template)
                metadata.Add(new("tokenizer.chat_template", template));
        }
        return metadata;
    }

    /// <summary>The chat template: a string, or the entry named "default" in a list of named templates.</summary>
    private static string? ChatTemplate(JsonElement config)
    {
        if (!config.TryGetProperty("chat_template", out var template)) return null;
        if (template.ValueKind == JsonValueKind.String) return template.GetString();
        if (template.ValueKind != JsonValueKind.Array) return null;
        foreach (var named in template.EnumerateArray())
            if (named.TryGetProperty("name", out var name) && name.GetString() == "default")
                return named.GetProperty("template").GetString();
        return null;
    }
}
