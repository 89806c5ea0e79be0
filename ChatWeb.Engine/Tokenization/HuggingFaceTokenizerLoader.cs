using System.Text.Json;

namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// Reads a Hugging Face <c>tokenizer.json</c> holding a byte-level BPE model (vocab, merges, added
/// tokens, a Split/ByteLevel pre-tokenizer, optionally an NFC normalizer), or a SentencePiece-style BPE
/// (<c>byte_fallback</c>, '▁' for spaces: Llama 2, Mistral, Phi-3, Gemma) through <see cref="LoadAny"/>.
/// Other models (WordPiece, Unigram) and other pre-tokenizers are refused with a message naming them.
/// </summary>
internal static class HuggingFaceTokenizerLoader
{
    /// <summary>
    /// Either kind of BPE in a <c>tokenizer.json</c>, with BOS/EOS and add_bos from <c>tokenizer_config.json</c>:
    /// a SentencePiece-style one becomes a <see cref="SentencePieceTokenizer"/> whose scores follow the merge
    /// order (the earlier a merge, the higher its result's score), any other a <see cref="ByteLevelBpeTokenizer"/>.
    /// </summary>
    public static Tokenizer LoadAny(string tokenizerJsonPath, string? tokenizerConfigPath)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        string? config = tokenizerConfigPath is not null && File.Exists(tokenizerConfigPath) ? File.ReadAllText(tokenizerConfigPath) : null;
        var root = json.RootElement;
        var model = root.GetProperty("model");
        return model.TryGetProperty("byte_fallback", out var fallback) && fallback.ValueKind == JsonValueKind.True
            ? LoadSentencePiece(root, config, tokenizerJsonPath)
            : Load(root, config, tokenizerJsonPath);
    }

    private static SentencePieceTokenizer LoadSentencePiece(JsonElement root, string? tokenizerConfigJson, string source)
    {
        var vocabulary = ReadVocabulary(root, source);
        var tokens = vocabulary.Tokens;
        var types = vocabulary.Types;
        for (var id = 0; id < tokens.Length; id++)
        {
            if (types[id] == TokenType.Normal && tokens[id] is { Length: 6 } t && t.StartsWith("<0x", StringComparison.Ordinal) && t.EndsWith('>'))
                types[id] = TokenType.Byte;
        }
        var ids = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Length; id++)
            ids.TryAdd(tokens[id], id);
        var scores = new float[tokens.Length];
        Array.Fill(scores, float.MinValue / 2);
        var merges = ReadMerges(root.GetProperty("model"));
        for (var rank = merges.Count - 1; rank >= 0; rank--) // the earliest merge of a result wins
        {
            if (ids.TryGetValue(merges[rank].Item1 + merges[rank].Item2, out var id))
                scores[id] = -rank;
        }
        var specials = ReadSpecials(tokenizerConfigJson, tokens);
        return new SentencePieceTokenizer(tokens, types, scores, specials, PrependsSpace(root));
    }

    /// <summary>Whether a '▁' goes before the text: a Prepend normalizer, or a Metaspace pre-tokenizer that prepends.</summary>
    private static bool PrependsSpace(JsonElement root)
    {
        static bool Visit(JsonElement element, string listName) =>
            element.ValueKind == JsonValueKind.Object && (element.GetProperty("type").GetString() switch
            {
                "Prepend" => true,
                "Metaspace" => element.TryGetProperty("prepend_scheme", out var scheme) ? scheme.GetString() != "never"
                    : !element.TryGetProperty("add_prefix_space", out var add) || add.ValueKind == JsonValueKind.True,
                "Sequence" => element.TryGetProperty(listName, out var list) && list.EnumerateArray().Any(e => Visit(e, listName)),
                _ => false,
            });
        return (root.TryGetProperty("normalizer", out var normalizer) && Visit(normalizer, "normalizers"))
            || (root.TryGetProperty("pre_tokenizer", out var pre) && Visit(pre, "pretokenizers"));
    }

    /// <summary>GPT-2's expression, which a ByteLevel pre-tokenizer with use_regex=true applies.</summary>
    private const string ByteLevelRegex = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static ByteLevelBpeTokenizer Load(string tokenizerJsonPath, string? tokenizerConfigPath = null)
    {
        using var json = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath));
        string? config = tokenizerConfigPath is not null && File.Exists(tokenizerConfigPath) ? File.ReadAllText(tokenizerConfigPath) : null;
        return Load(json.RootElement, config, tokenizerJsonPath);
    }

    public static ByteLevelBpeTokenizer Load(JsonElement root, string? tokenizerConfigJson, string source)
    {
        var vocabulary = ReadVocabulary(root, source);
        var tokens = vocabulary.Tokens;
        var types = vocabulary.Types;
        var model = root.GetProperty("model");
        var merges = ReadMerges(model);
        var preTokenizer = ReadPreTokenizer(root.TryGetProperty("pre_tokenizer", out var pre) ? pre : default, source);
        var nfc = root.TryGetProperty("normalizer", out var normalizer) && normalizer.ValueKind == JsonValueKind.Object
            && normalizer.GetProperty("type").GetString() switch
            {
                "NFC" => true,
                "Sequence" => normalizer.GetProperty("normalizers").EnumerateArray().Any(n => n.GetProperty("type").GetString() == "NFC"),
                _ => false,
            };
        var ignoreMerges = model.TryGetProperty("ignore_merges", out var im) && im.ValueKind == JsonValueKind.True;
        var specials = ReadSpecials(tokenizerConfigJson, tokens);
        return new ByteLevelBpeTokenizer(tokens, types, merges, preTokenizer, specials, ignoreMerges, nfc);
    }

    internal sealed record Vocabulary(string[] Tokens, TokenType[] Types);

    /// <summary>The model's vocab plus added tokens (special ones become Control, others UserDefined); missing ids get a placeholder.</summary>
    internal static Vocabulary ReadVocabulary(JsonElement root, string source)
    {
        var model = root.GetProperty("model");
        var type = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (type != "BPE")
            throw new InvalidDataException($"{source}: tokenizer model '{type}' is not supported (only byte-level BPE).");
        var byId = new Dictionary<int, (string Text, TokenType Type)>();
        foreach (var entry in model.GetProperty("vocab").EnumerateObject())
            byId[entry.Value.GetInt32()] = (entry.Name, TokenType.Normal);
        if (root.TryGetProperty("added_tokens", out var added))
            foreach (var token in added.EnumerateArray())
            {
                var special = token.TryGetProperty("special", out var s) && s.GetBoolean();
                byId[token.GetProperty("id").GetInt32()] = (token.GetProperty("content").GetString()!, special ? TokenType.Control : TokenType.UserDefined);
            }
        var count = byId.Keys.Max() + 1;
        var tokens = new string[count];
        var types = new TokenType[count];
        for (var id = 0; id < count; id++)
        {
            var (text, kind) = byId.TryGetValue(id, out var e) ? e : ($"[PAD{id}]", TokenType.Unused);
            tokens[id] = text;
            types[id] = kind;
        }
        return new Vocabulary(tokens, types);
    }

    internal static List<(string, string)> ReadMerges(JsonElement model)
    {
        var merges = new List<(string, string)>();
        foreach (var merge in model.GetProperty("merges").EnumerateArray())
        {
            if (merge.ValueKind == JsonValueKind.Array)
            {
                merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                continue;
            }
            var text = merge.GetString()!;
            var space = text.IndexOf(' ', 1);
            merges.Add((text[..space], text[(space + 1)..]));
        }
        return merges;
    }

    private static PreTokenizer ReadPreTokenizer(JsonElement pre, string source) =>
        new("tokenizer.json", [.. ReadSplitPatterns(pre, source)]);

    /// <summary>The split expressions of a tokenizer.json pre-tokenizer, applied in turn.</summary>
    internal static List<string> ReadSplitPatterns(JsonElement pre, string source)
    {
        var patterns = new List<string>();
        void Visit(JsonElement element)
        {
            switch (element.GetProperty("type").GetString())
            {
                case "Sequence":
                    foreach (var inner in element.GetProperty("pretokenizers").EnumerateArray()) Visit(inner);
                    break;
                case "Split":
                    var pattern = element.GetProperty("pattern");
                    var behavior = element.TryGetProperty("behavior", out var b) ? b.GetString() : "Isolated";
                    if (behavior != "Isolated" || (element.TryGetProperty("invert", out var inv) && inv.GetBoolean()))
                        throw new InvalidDataException($"{source}: Split pre-tokenizer with behavior '{behavior}' is not supported.");
                    patterns.Add(pattern.TryGetProperty("Regex", out var regex)
                        ? regex.GetString()!
                        : System.Text.RegularExpressions.Regex.Escape(pattern.GetProperty("String").GetString()!));
                    break;
                case "ByteLevel":
                    if (element.TryGetProperty("add_prefix_space", out var aps) && aps.GetBoolean())
                        throw new InvalidDataException($"{source}: ByteLevel pre-tokenizer with add_prefix_space is not supported.");
                    if (!element.TryGetProperty("use_regex", out var useRegex) || useRegex.GetBoolean())
                        patterns.Add(ByteLevelRegex);
                    break;
                case "Digits":
                    var individual = element.TryGetProperty("individual_digits", out var ind) && ind.GetBoolean();
                    patterns.Add(individual ? @"\p{N}" : @"\p{N}+");
                    break;
                case var other:
                    throw new InvalidDataException($"{source}: pre-tokenizer '{other}' is not supported.");
            }
        }
        if (pre.ValueKind == JsonValueKind.Object) Visit(pre);
        return patterns;
    }

    /// <summary>BOS/EOS from tokenizer_config.json (bos_token, eos_token, add_bos_token), when given.</summary>
    private static SpecialTokenIds ReadSpecials(string? configJson, string[] tokens)
    {
        if (configJson is null) return SpecialTokenIds.None;
        using var config = JsonDocument.Parse(configJson);
        var root = config.RootElement;
        int? Find(string key) => SpecialTokenId(root, key, tokens);
        var addBos = root.TryGetProperty("add_bos_token", out var ab) && ab.ValueKind == JsonValueKind.True;
        return new SpecialTokenIds(Find("bos_token"), Find("eos_token"), null, Find("unk_token"), addBos);
    }

    /// <summary>The id of a tokenizer_config.json special token (<paramref name="key"/> holds its text,
    /// or an object whose "content" does); null when absent or not in <paramref name="tokens"/>.</summary>
    internal static int? SpecialTokenId(JsonElement config, string key, string[] tokens)
    {
        if (!config.TryGetProperty(key, out var value)) return null;
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var c) => c.GetString(),
            _ => null,
        };
        var index = text is null ? -1 : Array.IndexOf(tokens, text);
        return index < 0 ? null : index;
    }
}
