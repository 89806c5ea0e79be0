using System.Text;

namespace ChatWeb.Engine.Tokenization;

/// <summary>The token ids a vocabulary marks as special, as the model file says.</summary>
public sealed record SpecialTokenIds(int? Bos, int? Eos, int? Eot, int? Unknown, bool AddBos)
{
    /// <summary>Further tokens that end a turn (&lt;|im_end|&gt;, &lt;|eot_id|&gt;, ...), besides EOS and EOT.</summary>
    public IReadOnlyList<int> EndOfTurn { get; init; } = [];

    /// <summary>A vocabulary without special tokens.</summary>
    public static readonly SpecialTokenIds None = new(null, null, null, null, false);
}

/// <summary>
/// Text to token ids and back. Subclasses implement one tokenizer model (SentencePiece-style or
/// byte-level BPE) on plain text; this base class handles what they share: the vocabulary, special
/// and added tokens (matched in the text only when the caller asks), BOS, and decoding.
/// </summary>
/// <remarks>
/// ChatWeb carries its own implementation (written while Microsoft.ML.Tokenizers was not in the NuGet feed
/// used here), checked against llama.cpp's published test vectors.
/// </remarks>
public abstract class Tokenizer
{
    private readonly Dictionary<string, int> _idsByText;
    private readonly Dictionary<char, List<(string Text, int Id)>> _specialsByFirstChar = [];

    /// <summary>A tokenizer over <paramref name="tokens"/> (their text, by id) and their <paramref name="types"/>.</summary>
    protected Tokenizer(IReadOnlyList<string> tokens, IReadOnlyList<TokenType> types, SpecialTokenIds specials)
    {
        if (tokens.Count != types.Count)
            throw new ArgumentException($"The vocabulary has {tokens.Count} tokens but {types.Count} token types.");
        Tokens = tokens;
        Types = types;
        Specials = specials;
        _idsByText = new Dictionary<string, int>(tokens.Count, StringComparer.Ordinal);
        for (var id = 0; id < tokens.Count; id++)
        {
            _idsByText.TryAdd(tokens[id], id);
            if (types[id] is TokenType.Control or TokenType.UserDefined && tokens[id].Length > 0)
            {
                if (!_specialsByFirstChar.TryGetValue(tokens[id][0], out var list))
                    _specialsByFirstChar[tokens[id][0]] = list = [];
                list.Add((tokens[id], id));
            }
        }
        foreach (var list in _specialsByFirstChar.Values)
            list.Sort((a, b) => b.Text.Length.CompareTo(a.Text.Length)); // longest match first

        var endIds = new HashSet<int>();
        if (specials.Eos is int eos) endIds.Add(eos);
        if (specials.Eot is int eot) endIds.Add(eot);
        endIds.UnionWith(specials.EndOfTurn);
        EndOfGenerationIds = endIds;
    }

    /// <summary>Each token's text, by id.</summary>
    public IReadOnlyList<string> Tokens { get; }
    /// <summary>Each token's type, by id.</summary>
    public IReadOnlyList<TokenType> Types { get; }
    /// <summary>The special tokens the file names.</summary>
    public SpecialTokenIds Specials { get; }

    /// <summary>EOS and EOT: generating one of these ends the answer.</summary>
    public IReadOnlySet<int> EndOfGenerationIds { get; }

    /// <summary>Tokens in the vocabulary.</summary>
    public int VocabularySize => Tokens.Count;

    /// <summary>Problems found while loading that did not stop the tokenizer from working (shown in the log).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The id of the token whose text is exactly <paramref name="text"/>; null when there is none.</summary>
    public int? TokenId(string text) => _idsByText.TryGetValue(text, out var id) ? id : null;

    /// <summary>The text of a special token (BOS, EOS, ...) for chat templates, or null.</summary>
    public string? TokenTextOrNull(int? id) => id is int i && i >= 0 && i < Tokens.Count ? Tokens[i] : null;

    /// <summary>
    /// Token ids for <paramref name="text"/>. Special and added tokens written in the text are
    /// matched only when <paramref name="parseSpecial"/> is true (for prompts a chat template wrote);
    /// otherwise "&lt;|im_end|&gt;" typed by a person is just characters.
    /// </summary>
    public List<int> Encode(string text, bool addBos = false, bool parseSpecial = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new List<int>();
        if (addBos && Specials.Bos is int bos)
            output.Add(bos);
        Encode(text, [], parseSpecial, output);
        return output;
    }

    /// <summary>
    /// Like <see cref="Encode(string, bool, bool)"/> with parseSpecial, except inside
    /// <paramref name="plainRanges"/> (sorted, not overlapping; e.g. the spans of a prompt that
    /// hold what a person typed), where special tokens are never matched.
    /// </summary>
    public void Encode(string text, IReadOnlyList<Range> plainRanges, bool parseSpecial, List<int> output)
    {
        // Text between special tokens is tokenized fragment by fragment; each fragment starts the
        // text or follows a special token (SentencePiece puts its '▁' prefix there).
        var fragmentStart = 0;
        var rangeIndex = 0;
        var i = 0;
        while (i < text.Length)
        {
            while (rangeIndex < plainRanges.Count && plainRanges[rangeIndex].End.GetOffset(text.Length) <= i) rangeIndex++;
            var inPlainRange = rangeIndex < plainRanges.Count && plainRanges[rangeIndex].Start.GetOffset(text.Length) <= i;
            if (parseSpecial && !inPlainRange && MatchSpecial(text, i) is { } special)
            {
                var (length, id) = special;
                if (i > fragmentStart)
                    EncodeText(text[fragmentStart..i], output);
                output.Add(id);
                i += length;
                fragmentStart = i;
            }
            else
            {
                i++;
            }
        }
        if (fragmentStart < text.Length)
            EncodeText(text[fragmentStart..], output);
    }

    private (int Length, int Id)? MatchSpecial(string text, int at)
    {
        if (!_specialsByFirstChar.TryGetValue(text[at], out var candidates))
            return null;
        foreach (var (special, id) in candidates)
            if (string.CompareOrdinal(text, at, special, 0, special.Length) == 0)
                return (special.Length, id);
        return null;
    }

    /// <summary>Tokenizes text that holds no special tokens: the whole text, or a piece of it right after a special token.</summary>
    protected abstract void EncodeText(string text, List<int> output);

    /// <summary>Appends the bytes a token stands for. Control tokens give nothing unless <paramref name="includeControl"/>.</summary>
    public void AppendTokenBytes(int id, List<byte> output, bool includeControl = false)
    {
        if ((uint)id >= (uint)Tokens.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id outside the vocabulary of {Tokens.Count}.");
        if (Types[id] == TokenType.Control)
        {
            if (includeControl) output.AddRange(Encoding.UTF8.GetBytes(Tokens[id]));
            return;
        }
        AppendTextBytes(id, output);
    }

    /// <summary>Appends the bytes of a token that is not a control token, as this tokenizer model stores them.</summary>
    protected abstract void AppendTextBytes(int id, List<byte> output);

    /// <summary>The text of a whole token sequence (as the model would print it from the start).</summary>
    public virtual string Decode(IEnumerable<int> ids, bool includeControl = false)
    {
        var bytes = new List<byte>();
        foreach (var id in ids)
            AppendTokenBytes(id, bytes, includeControl);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
