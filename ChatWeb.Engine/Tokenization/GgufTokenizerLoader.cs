using ChatWeb.Engine.Gguf;

namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// Builds the tokenizer a GGUF file describes in its <c>tokenizer.ggml.*</c> metadata:
/// <c>model = llama</c> gives a <see cref="SentencePieceTokenizer"/> (tokens, scores, token types),
/// <c>model = gpt2</c> a <see cref="ByteLevelBpeTokenizer"/> (tokens, merges, token types, and the
/// pre-tokenizer named by <c>tokenizer.ggml.pre</c>). BOS/EOS/EOT/UNK ids and add_bos come from the file.
/// </summary>
internal static class GgufTokenizerLoader
{
    /// <summary>Control tokens that end a turn in common chat formats (llama.cpp treats them as end-of-generation too).</summary>
    private static readonly string[] EndOfTurnTexts =
        ["<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "<|eom_id|>", "<｜end▁of▁sentence｜>"];

    public static Tokenizer Load(GgufFile file)
    {
        var model = file.GetString("tokenizer.ggml.model")
            ?? throw new GgufFormatException("Metadata 'tokenizer.ggml.model' is missing: the file has no tokenizer", 24);
        var tokens = file.GetArray<string>("tokenizer.ggml.tokens")
            ?? throw new GgufFormatException("Metadata 'tokenizer.ggml.tokens' is missing", 24);
        var types = ReadTypes(file, tokens.Length);
        var specials = ReadSpecials(file, tokens, types, model);

        switch (model)
        {
            case "llama":
                var scores = file.GetArray<float>("tokenizer.ggml.scores") ?? new float[tokens.Length];
                if (scores.Length != tokens.Length)
                    throw new GgufFormatException($"'tokenizer.ggml.scores' has {scores.Length} entries for {tokens.Length} tokens", file.MetadataOffset("tokenizer.ggml.scores"));
                return new SentencePieceTokenizer(tokens, types, scores, specials, file.GetBool("tokenizer.ggml.add_space_prefix") ?? true);
            case "gpt2":
                var merges = file.GetArray<string>("tokenizer.ggml.merges")
                    ?? throw new GgufFormatException("Metadata 'tokenizer.ggml.merges' is missing (needed by a gpt2 tokenizer)", 24);
                var preName = file.GetString("tokenizer.ggml.pre");
                var pre = PreTokenizer.ForGgufName(preName, out var warning);
                var ignoreMerges = preName is "llama3" or "llama-v3" or "llama-bpe";
                return new ByteLevelBpeTokenizer(tokens, types, merges.Select(SplitMerge), pre, specials, ignoreMerges)
                {
                    Warnings = warning is null ? [] : [warning],
                };
            default:
                throw new GgufFormatException(
                    $"Tokenizer model '{model}' is not supported (supported: llama = SentencePiece, gpt2 = byte-level BPE)",
                    file.MetadataOffset("tokenizer.ggml.model"));
        }
    }

    private static (string, string) SplitMerge(string merge)
    {
        var space = merge.IndexOf(' ', 1);
        return space < 0 ? (merge, "") : (merge[..space], merge[(space + 1)..]);
    }

    private static TokenType[] ReadTypes(GgufFile file, int count)
    {
        var types = new TokenType[count];
        Array.Fill(types, TokenType.Normal);
        if (file.Metadata.TryGetValue("tokenizer.ggml.token_type", out var raw) && raw is Array array)
        {
            if (array.Length != count)
                throw new GgufFormatException($"'tokenizer.ggml.token_type' has {array.Length} entries for {count} tokens", file.MetadataOffset("tokenizer.ggml.token_type"));
            for (var i = 0; i < count; i++)
                types[i] = (TokenType)Convert.ToInt32(array.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
        }
        return types;
    }

    private static SpecialTokenIds ReadSpecials(GgufFile file, string[] tokens, TokenType[] types, string model)
    {
        int? Id(string key)
        {
            var value = file.GetInteger(key);
            return value is >= 0 && value < tokens.Length ? (int)value : null;
        }
        var eot = Id("tokenizer.ggml.eot_token_id");
        var eos = Id("tokenizer.ggml.eos_token_id");
        var extraEnds = new List<int>();
        for (var id = 0; id < tokens.Length; id++)
            if (types[id] is TokenType.Control or TokenType.UserDefined && EndOfTurnTexts.Contains(tokens[id]))
                extraEnds.Add(id);
        return new SpecialTokenIds(
            Id("tokenizer.ggml.bos_token_id"), eos, eot, Id("tokenizer.ggml.unknown_token_id"),
            file.GetBool("tokenizer.ggml.add_bos_token") ?? model == "llama")
        {
            EndOfTurn = extraEnds,
        };
    }
}
