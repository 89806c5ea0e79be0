using System.Text;

namespace ChatWeb.Inference.Tokenization;

/// <summary>
/// Byte-level BPE (GPT-2, Llama 3, Qwen2/3, DeepSeek, SmolLM): text is split by the
/// <see cref="PreTokenizer"/>, each piece's UTF-8 bytes are written in the byte-level alphabet,
/// and the merges are applied lowest rank first (leftmost first among equal ranks).
/// </summary>
internal sealed class ByteLevelBpeTokenizer : Tokenizer
{
    private readonly Dictionary<(string Left, string Right), int> _mergeRanks;
    private readonly PreTokenizer _preTokenizer;
    private readonly bool _ignoreMerges;
    private readonly bool _normalizeNfc;
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);

    /// <param name="merges">Merge rules in priority order ("Ġ t" or ["Ġ", "t"] in the files).</param>
    /// <param name="ignoreMerges">Emit a piece as one token when the whole piece is in the vocabulary (Llama 3).</param>
    /// <param name="normalizeNfc">Apply Unicode NFC to the text first (Qwen's tokenizer.json asks for it).</param>
    public ByteLevelBpeTokenizer(
        IReadOnlyList<string> tokens, IReadOnlyList<TokenType> types, IEnumerable<(string Left, string Right)> merges,
        PreTokenizer preTokenizer, SpecialTokenIds specials, bool ignoreMerges = false, bool normalizeNfc = false)
        : base(tokens, types, specials)
    {
        _mergeRanks = new Dictionary<(string, string), int>();
        var rank = 0;
        foreach (var merge in merges)
            _mergeRanks.TryAdd(merge, rank++);
        _preTokenizer = preTokenizer;
        _ignoreMerges = ignoreMerges;
        _normalizeNfc = normalizeNfc;
    }

    public PreTokenizer PreTokenizer => _preTokenizer;

    protected override void EncodeText(string text, bool afterSpecial, List<int> output)
    {
        if (_normalizeNfc && !text.IsNormalized(NormalizationForm.FormC))
            text = text.Normalize(NormalizationForm.FormC);
        foreach (var piece in _preTokenizer.Split(text))
            output.AddRange(EncodePiece(ByteLevelAlphabet.Encode(Encoding.UTF8.GetBytes(piece))));
    }

    private int[] EncodePiece(string word)
    {
        lock (_cache)
            if (_cache.TryGetValue(word, out var cached))
                return cached;

        int[] ids;
        if (_ignoreMerges && TokenId(word) is int whole)
            ids = [whole];
        else
            ids = Merge(word).SelectMany(IdsOf).ToArray();

        lock (_cache)
        {
            if (_cache.Count > 50_000) _cache.Clear();
            _cache[word] = ids;
        }
        return ids;
    }

    /// <summary>Applies merges to one byte-level word: repeatedly the adjacent pair with the lowest rank, leftmost first.</summary>
    private List<string> Merge(string word)
    {
        var symbols = new List<string>(word.Length);
        foreach (var c in word) symbols.Add(c.ToString());
        while (symbols.Count > 1)
        {
            var bestRank = int.MaxValue;
            var best = -1;
            for (var i = 0; i + 1 < symbols.Count; i++)
            {
                if (_mergeRanks.TryGetValue((symbols[i], symbols[i + 1]), out var rank) && rank < bestRank)
                {
                    bestRank = rank;
                    best = i;
                }
            }
            if (best < 0) break;
            symbols[best] += symbols[best + 1];
            symbols.RemoveAt(best + 1);
        }
        return symbols;
    }

    /// <summary>A merged symbol's id; a symbol missing from the vocabulary falls back to its single bytes.</summary>
    private IEnumerable<int> IdsOf(string symbol)
    {
        if (TokenId(symbol) is int id) return [id];
        return symbol.Select(c => TokenId(c.ToString())).Where(x => x is not null).Select(x => x!.Value);
    }

    public override void AppendTokenBytes(int id, List<byte> output, bool includeControl = false)
    {
        CheckId(id);
        var text = Tokens[id];
        switch (Types[id])
        {
            case TokenType.Control:
                if (includeControl) output.AddRange(Encoding.UTF8.GetBytes(text));
                return;
            case TokenType.UserDefined:
                output.AddRange(Encoding.UTF8.GetBytes(text)); // added tokens are stored as plain text, not byte-level
                return;
            default:
                if (!ByteLevelAlphabet.TryDecode(text, output)) output.AddRange(Encoding.UTF8.GetBytes(text));
                return;
        }
    }
}
