using System.Globalization;
using System.Text;

namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// SentencePiece-style BPE as GGUF stores it (<c>tokenizer.ggml.model = llama</c>: Llama 2, Phi-3,
/// TinyLlama, stories260K): spaces become '▁' (a '▁' is also put before the text), characters are
/// merged pairwise, highest vocabulary score first, as long as the merged text is a token; a
/// character left outside the vocabulary is written as its UTF-8 bytes with &lt;0xNN&gt; tokens.
/// </summary>
internal sealed class SentencePieceTokenizer : Tokenizer
{
    private const char SpaceMark = '\u2581'; // '▁'
    private readonly float[] _scores;
    private readonly int[] _byteTokens = new int[256];

    public SentencePieceTokenizer(IReadOnlyList<string> tokens, IReadOnlyList<TokenType> types, float[] scores, SpecialTokenIds specials, bool addSpacePrefix = true)
        : base(tokens, types, specials)
    {
        if (scores.Length != tokens.Count)
            throw new ArgumentException($"The vocabulary has {tokens.Count} tokens but {scores.Length} scores.");
        _scores = scores;
        AddSpacePrefix = addSpacePrefix;
        Array.Fill(_byteTokens, -1);
        for (var b = 0; b < 256; b++)
            if (TokenId($"<0x{b:X2}>") is int id)
                _byteTokens[b] = id;
    }

    /// <summary>Whether a '▁' is put before the text (and after each special token), as SentencePiece's add_dummy_prefix does.</summary>
    public bool AddSpacePrefix { get; }

    protected override void EncodeText(string text, List<int> output)
    {
        if (AddSpacePrefix) text = " " + text;
        text = text.Replace(' ', SpaceMark);

        // One symbol per character (surrogate pairs stay together), linked left to right.
        var symbols = new List<Symbol>();
        for (var i = 0; i < text.Length;)
        {
            var length = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            symbols.Add(new Symbol(i, length, symbols.Count - 1, i + length < text.Length ? symbols.Count + 1 : -1));
            i += length;
        }

        // Merge the best-scoring adjacent pair whose text is a token, until none is left.
        var queue = new PriorityQueue<(int Left, int Right, int Length), (float NegScore, int Left)>();
        void TryAddPair(int left, int right)
        {
            if (left < 0 || right < 0) return;
            var length = symbols[left].Length + symbols[right].Length;
            if (TokenId(text.Substring(symbols[left].Start, length)) is int id)
                queue.Enqueue((left, right, length), (-_scores[id], left));
        }
        for (var i = 1; i < symbols.Count; i++)
            TryAddPair(i - 1, i);
        while (queue.TryDequeue(out var pair, out _))
        {
            var left = symbols[pair.Left];
            var right = symbols[pair.Right];
            if (left.Length == 0 || right.Length == 0 || left.Length + right.Length != pair.Length)
                continue; // stale: one side has merged with something else since
            symbols[pair.Left] = left with { Length = pair.Length, Next = right.Next };
            symbols[pair.Right] = right with { Length = 0 };
            if (right.Next >= 0)
                symbols[right.Next] = symbols[right.Next] with { Previous = pair.Left };
            TryAddPair(left.Previous, pair.Left);
            TryAddPair(pair.Left, right.Next);
        }

        for (var i = symbols.Count > 0 ? 0 : -1; i >= 0; i = symbols[i].Next)
        {
            var piece = text.Substring(symbols[i].Start, symbols[i].Length);
            if (TokenId(piece) is int id)
            {
                output.Add(id);
                continue;
            }
            foreach (var b in Encoding.UTF8.GetBytes(piece))
            {
                if (_byteTokens[b] >= 0) output.Add(_byteTokens[b]);
                else if (Specials.Unknown is int unk) output.Add(unk);
            }
        }
    }

    private readonly record struct Symbol(int Start, int Length, int Previous, int Next);

    protected override void AppendTextBytes(int id, List<byte> output)
    {
        var text = Tokens[id];
        switch (Types[id])
        {
            case TokenType.Byte when text.Length == 6 && text.StartsWith("<0x", StringComparison.Ordinal):
                output.Add(byte.Parse(text.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                return;
            case TokenType.Unknown:
                output.AddRange(Encoding.UTF8.GetBytes(" \u2047 ")); // " ⁇ ", as SentencePiece shows an unknown piece
                return;
            default:
                output.AddRange(Encoding.UTF8.GetBytes(text.Replace(SpaceMark, ' ')));
                return;
        }
    }

    /// <summary>Decodes a sequence from its start, removing the '▁' that encoding put before the text.</summary>
    public override string Decode(IEnumerable<int> ids, bool includeControl = false)
    {
        var text = base.Decode(ids, includeControl);
        return AddSpacePrefix && text.StartsWith(' ') ? text[1..] : text;
    }
}
