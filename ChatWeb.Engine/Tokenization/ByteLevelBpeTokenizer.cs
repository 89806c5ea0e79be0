using System.Text;

namespace ChatWeb.Engine.Tokenization;

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

    protected override void EncodeText(string text, List<int> output)
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

    /// <summary>
    /// Applies merges to one byte-level word: repeatedly the adjacent pair with the lowest rank,
    /// leftmost first, using a priority queue over a linked list of symbols (n log n for long words).
    /// </summary>
    private List<string> Merge(string word)
    {
        var symbols = new Symbol[word.Length];
        for (var i = 0; i < word.Length; i++)
            symbols[i] = new Symbol(i, 1, i - 1, i + 1 < word.Length ? i + 1 : -1);

        var queue = new PriorityQueue<(int Left, int Length), (int Rank, int Left)>();
        void TryAddPair(int left, int right)
        {
            if (left < 0 || right < 0) return;
            var pair = (word.Substring(symbols[left].Start, symbols[left].Length), word.Substring(symbols[right].Start, symbols[right].Length));
            if (_mergeRanks.TryGetValue(pair, out var rank))
                queue.Enqueue((left, symbols[left].Length + symbols[right].Length), (rank, left));
        }
        for (var i = 1; i < symbols.Length; i++)
            TryAddPair(i - 1, i);

        while (queue.TryDequeue(out var pair, out _))
        {
            var left = symbols[pair.Left];
            if (left.Length == 0 || left.Next < 0) continue;
            var right = symbols[left.Next];
            if (left.Length + right.Length != pair.Length) continue; // stale: a side has changed since
            var rightIndex = left.Next;
            symbols[pair.Left] = left with { Length = pair.Length, Next = right.Next };
            symbols[rightIndex] = right with { Length = 0 };
            if (right.Next >= 0)
                symbols[right.Next] = symbols[right.Next] with { Previous = pair.Left };
            TryAddPair(left.Previous, pair.Left);
            TryAddPair(pair.Left, right.Next);
        }

        var result = new List<string>();
        for (var i = word.Length > 0 ? 0 : -1; i >= 0; i = symbols[i].Next)
            result.Add(word.Substring(symbols[i].Start, symbols[i].Length));
        return result;
    }

    private readonly record struct Symbol(int Start, int Length, int Previous, int Next);

    /// <summary>A merged symbol's id; a symbol missing from the vocabulary falls back to its single bytes.</summary>
    private IEnumerable<int> IdsOf(string symbol)
    {
        if (TokenId(symbol) is int id) return [id];
        return symbol.Select(c => TokenId(c.ToString())).Where(x => x is not null).Select(x => x!.Value);
    }

    protected override void AppendTextBytes(int id, List<byte> output)
    {
        var text = Tokens[id];
        switch (Types[id])
        {
            case TokenType.UserDefined:
                output.AddRange(Encoding.UTF8.GetBytes(text)); // added tokens are stored as plain text, not byte-level
                return;
            default:
                if (!ByteLevelAlphabet.TryDecode(text, output)) output.AddRange(Encoding.UTF8.GetBytes(text));
                return;
        }
    }
}
