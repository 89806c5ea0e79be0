namespace ChatWeb.Engine.Constraints;

/// <summary>
/// Constrained decoding over a <see cref="JsonFrame"/> recognizer: at each step every token whose bytes the
/// recognizer can read from the current states keeps its logit, every other token gets negative infinity;
/// stop tokens stay only where the output is complete. So the output always parses and matches the grammar
/// (unless the token limit cuts it first). The states reached by each first byte are computed once per step,
/// so tokens that cannot start here cost one table look-up.
/// </summary>
internal sealed class GrammarConstraint : ITokenConstraint
{
    private readonly TokenVocabulary _vocabulary;
    private readonly HashSet<int> _stopTokens;
    private List<JsonFrame> _states;
    private readonly List<JsonFrame>?[] _afterFirstByte = new List<JsonFrame>?[256];

    /// <param name="vocabulary">The model's token bytes.</param>
    /// <param name="stopTokens">Tokens that end the output (EOS, end of turn).</param>
    /// <param name="start">The recognizer's first state (a stack ending in <see cref="EndFrame"/>).</param>
    public GrammarConstraint(TokenVocabulary vocabulary, IEnumerable<int> stopTokens, JsonFrame start)
    {
        _vocabulary = vocabulary;
        _stopTokens = [.. stopTokens];
        _states = [start];
    }

    /// <summary>True when the output read so far is complete (a stop token may come).</summary>
    public bool IsComplete => _states.Any(s => s.CanEnd);

    public void Mask(Span<float> logits)
    {
        Array.Clear(_afterFirstByte);
        var complete = IsComplete;
        var count = Math.Min(logits.Length, _vocabulary.Count);
        // inside a string (the common case, and the one where most tokens fit) plain text needs no simulation
        var room = _states is [StringFrame text] ? text.Room : -1;
        var plain = _vocabulary.PlainChars;
        var bytes = _vocabulary.Bytes;
        for (var id = 0; id < count; id++)
        {
            if (float.IsNegativeInfinity(logits[id]))
                continue;
            var token = bytes[id];
            var allowed = _stopTokens.Contains(id) ? complete
                : room >= 0 && plain[id] >= 0 ? plain[id] <= room
                : token.Length > 0 && (_afterFirstByte[token[0]] ??= Step(_states, token[0])).Count > 0 && Reads(token);
            if (!allowed)
                logits[id] = float.NegativeInfinity;
        }
        logits[count..].Fill(float.NegativeInfinity); // ids the tokenizer does not know
    }

    public void Accept(int token)
    {
        if (_stopTokens.Contains(token) || (uint)token >= (uint)_vocabulary.Count)
            return;
        var states = _states;
        foreach (var b in _vocabulary.Bytes[token])
            states = Step(states, b);
        _states = states;
    }

    /// <summary>Reads the whole of <paramref name="text"/> into the given states (tests).</summary>
    public bool TryRead(ReadOnlySpan<byte> text)
    {
        var states = _states;
        foreach (var b in text)
        {
            states = Step(states, b);
            if (states.Count == 0)
                return false;
        }
        _states = states;
        return true;
    }

    private bool Reads(byte[] bytes)
    {
        if (bytes.Length == 0)
            return false;
        var states = _afterFirstByte[bytes[0]] ??= Step(_states, bytes[0]);
        for (var i = 1; i < bytes.Length && states.Count > 0; i++)
        {
            // two scratch lists in turn: no allocation per byte beyond the frames themselves
            var next = _scratch[i & 1];
            next.Clear();
            foreach (var state in states)
                state.Feed(bytes[i], next);
            states = next;
        }
        return states.Count > 0;
    }

    private readonly List<JsonFrame>[] _scratch = [[], []];

    private static List<JsonFrame> Step(List<JsonFrame> states, byte b)
    {
        var next = new List<JsonFrame>(states.Count);
        foreach (var state in states)
            state.Feed(b, next);
        return next;
    }
}
