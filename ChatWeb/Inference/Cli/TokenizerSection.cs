using System.Text.Json;

namespace ChatWeb.Inference.Cli;

/// <summary>The <c>tokenizer.*</c> metadata of a GGUF file (a byte-level BPE vocabulary).</summary>
internal sealed record TokenizerSection(string[] Tokens, int[] TokenTypes, string[] Merges, int Bos, int Eos, string? ChatTemplate)
{
    // GGUF token types
    private const int Normal = 1, Control = 3, UserDefined = 4, Unused = 5;

    public void AddTo(Gguf.GgufWriter writer, string preTokenizer)
    {
        writer.Add("tokenizer.ggml.model", "gpt2");
        writer.Add("tokenizer.ggml.pre", preTokenizer);
        writer.Add("tokenizer.ggml.tokens", Tokens);
        writer.Add("tokenizer.ggml.token_type", TokenTypes);
        writer.Add("tokenizer.ggml.merges", Merges);
        writer.Add("tokenizer.ggml.bos_token_id", (uint)Bos);
        writer.Add("tokenizer.ggml.eos_token_id", (uint)Eos);
        writer.Add("tokenizer.ggml.add_bos_token", false);
        if (ChatTemplate is not null)
            writer.Add("tokenizer.chat_template", ChatTemplate);
    }

    /// <summary>
    /// A made-up vocabulary of exactly <paramref name="size"/> tokens: the 256 bytes in GPT-2's
    /// byte-to-character mapping, then merged pairs and triples, then three ChatML control tokens.
    /// </summary>
    public static TokenizerSection Generate(int size)
    {
        string[] specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
        var bytes = ByteCharacters();
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
        var types = tokens.Select((_, i) => i >= regular ? Control : Normal).ToArray();
        return new TokenizerSection([.. tokens], types, [.. merges], Bos: regular, Eos: regular, ChatTemplate: null);
    }

    /// <summary>
    /// Reads a Hugging Face <c>tokenizer.json</c> (BPE model: vocab, merges, added tokens) and, beside it,
    /// <c>tokenizer_config.json</c> for the chat template and end-of-sequence token; pads to <paramref name="size"/>.
    /// </summary>
    public static TokenizerSection FromHuggingFace(string tokenizerJson, int size)
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(tokenizerJson));
        if (!document.RootElement.TryGetProperty("model", out var model)
            || !model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object
            || !model.TryGetProperty("merges", out var mergeList) || mergeList.ValueKind != JsonValueKind.Array)
            throw new CliException($"{tokenizerJson} is not a Hugging Face BPE tokenizer.json (no model.vocab and model.merges).");
        if (model.TryGetProperty("type", out var type) && type.GetString() != "BPE")
            throw new CliException($"{tokenizerJson}: only BPE tokenizers are supported, not {type.GetString()}.");

        var tokens = new string?[size];
        var types = new int[size];
        void Put(int id, string text, int tokenType)
        {
            if (id < 0 || id >= size)
                throw new CliException($"{tokenizerJson}: token id {id} does not fit a vocabulary of {size}.");
            (tokens[id], types[id]) = (text, tokenType);
        }
        foreach (var entry in vocab.EnumerateObject())
            Put(entry.Value.GetInt32(), entry.Name, Normal);
        if (document.RootElement.TryGetProperty("added_tokens", out var added))
        {
            foreach (var token in added.EnumerateArray())
                Put(token.GetProperty("id").GetInt32(), token.GetProperty("content").GetString()!,
                    token.TryGetProperty("special", out var special) && special.GetBoolean() ? Control : UserDefined);
        }
        for (var i = 0; i < size; i++)
        {
            if (tokens[i] is null)
                Put(i, $"[PAD{i}]", Unused);
        }

        var merges = mergeList.EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array ? $"{m[0].GetString()} {m[1].GetString()}" : m.GetString()!)
            .ToArray();

        var (template, eosText, bosText) = ReadConfig(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(tokenizerJson))!, "tokenizer_config.json"));
        int IdOf(string? text, int fallback) => text is not null && Array.IndexOf(tokens, text) is >= 0 and var id ? id : fallback;
        var eos = IdOf(eosText ?? "<|endoftext|>", 0);
        return new TokenizerSection(tokens!, types, merges, Bos: IdOf(bosText, eos), Eos: eos, template);
    }

    private static (string? Template, string? Eos, string? Bos) ReadConfig(string path)
    {
        if (!File.Exists(path))
            return (null, null, null);
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        static string? Text(JsonElement root, string name) =>
            !root.TryGetProperty(name, out var value) ? null
            : value.ValueKind == JsonValueKind.String ? value.GetString()
            : value.ValueKind == JsonValueKind.Object && value.TryGetProperty("content", out var content) ? content.GetString()
            : null;
        return (Text(root, "chat_template"), Text(root, "eos_token"), Text(root, "bos_token"));
    }

    /// <summary>GPT-2's byte-to-character mapping: printable bytes stand for themselves, the rest map to U+0100 upwards.</summary>
    private static string[] ByteCharacters()
    {
        var result = new string[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            result[b] = ((char)(printable ? b : next++)).ToString();
        }
        return result;
    }
}
