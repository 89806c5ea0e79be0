using ChatWeb.Engine.Constraints;

namespace ChatWeb.Engine.Sampling;

/// <summary>
/// Chooses the next token from logits: repetition penalty, then temperature, top-k, top-p and
/// min-p (the order Hugging Face transformers applies them), then a seeded random draw.
/// One sampler per sequence; its buffers are allocated once, so sampling allocates nothing.
/// </summary>
public sealed class Sampler
{
    private readonly SamplerOptions _options;
    private readonly float[] _logits;     // [vocab] penalised logits
    private readonly int[] _ids;          // [vocab] candidate ids
    private readonly float[] _keys;       // [vocab] candidate sort keys / probabilities
    private readonly int[] _penalised;    // [vocab] stamp of the last draw that penalised each token
    private readonly PriorityQueue<int, float> _topK = new();
    private SplitMix64 _random;
    private int _stamp;

    /// <summary>A sampler over logits of <paramref name="vocabSize"/> entries; <see cref="SamplerOptions.Seed"/> makes it repeatable.</summary>
    public Sampler(SamplerOptions options, int vocabSize)
    {
        options.Validate();
        _options = options;
        _logits = new float[vocabSize];
        _ids = new int[vocabSize];
        _keys = new float[vocabSize];
        _penalised = new int[vocabSize];
        _random = new SplitMix64(options.Seed);
    }

    /// <summary>
    /// The next token; <paramref name="history"/> holds the tokens so far (prompt and output) for the repetition
    /// penalty; <paramref name="constraint"/>, when given, masks the tokens it does not allow (-1 when it allows none).
    /// </summary>
    public int Sample(ReadOnlySpan<float> logits, ReadOnlySpan<int> history = default, ITokenConstraint? constraint = null)
    {
        var vocab = _logits.Length;
        if (logits.Length != vocab)
            throw new ArgumentException($"Expected {vocab} logits, got {logits.Length}.", nameof(logits));
        logits.CopyTo(_logits);
        ApplyRepetitionPenalty(history);
        if (constraint is not null)
        {
            constraint.Mask(_logits);
            if (float.IsNegativeInfinity(_logits[ArgMax(_logits)]))
                return -1;
        }

        if (_options.Temperature <= 0f || _options.TopK == 1)
            return ArgMax(_logits);

        // temperature and top-k: candidates are (id, logit / T)
        var n = SelectCandidates(_options.TopK is > 0 and var k && k < vocab ? k : vocab);

        // softmax over the candidates
        var max = float.NegativeInfinity;
        for (var i = 0; i < n; i++)
            max = Math.Max(max, _keys[i]);
        var sum = 0.0;
        for (var i = 0; i < n; i++)
            sum += _keys[i] = MathF.Exp(_keys[i] - max);
        for (var i = 0; i < n; i++)
            _keys[i] = (float)(_keys[i] / sum);

        if (_options.TopP < 1f)
            n = KeepNucleus(n, _options.TopP);
        if (_options.MinP > 0f)
            n = KeepAtLeast(n, _options.MinP * Max(n));

        // draw: walk the cumulative probabilities of the survivors
        var total = 0.0;
        for (var i = 0; i < n; i++)
            total += _keys[i];
        var target = _random.NextDouble() * total;
        var cumulative = 0.0;
        for (var i = 0; i < n; i++)
        {
            cumulative += _keys[i];
            if (target < cumulative)
                return _ids[i];
        }
        return _ids[n - 1];
    }

    private void ApplyRepetitionPenalty(ReadOnlySpan<int> history)
    {
        var penalty = _options.RepetitionPenalty;
        if (penalty == 1f || history.IsEmpty)
            return;
        _stamp++;
        foreach (var token in history[Math.Max(0, history.Length - _options.RepetitionWindow)..])
        {
            if ((uint)token >= (uint)_logits.Length || _penalised[token] == _stamp)
                continue; // each distinct token is penalised once
            _penalised[token] = _stamp;
            _logits[token] = _logits[token] > 0 ? _logits[token] / penalty : _logits[token] * penalty;
        }
    }

    /// <summary>Fills _ids/_keys with the <paramref name="k"/> highest logits divided by the temperature; returns k.</summary>
    private int SelectCandidates(int k)
    {
        var inverseTemperature = 1f / _options.Temperature;
        if (k == _logits.Length)
        {
            for (var i = 0; i < k; i++)
                (_ids[i], _keys[i]) = (i, _logits[i] * inverseTemperature);
            return k;
        }

        _topK.Clear(); // a min-heap of the k best so far
        for (var i = 0; i < _logits.Length; i++)
        {
            if (_topK.Count < k)
                _topK.Enqueue(i, _logits[i]);
            else if (_topK.TryPeek(out _, out var worst) && _logits[i] > worst)
                _topK.DequeueEnqueue(i, _logits[i]);
        }
        for (var i = k - 1; i >= 0; i--)
        {
            _topK.TryDequeue(out var id, out var logit);
            (_ids[i], _keys[i]) = (id, logit * inverseTemperature);
        }
        return k;
    }

    /// <summary>Sorts candidates by probability, most likely first, and keeps the shortest prefix reaching <paramref name="p"/>.</summary>
    private int KeepNucleus(int n, float p)
    {
        // Sorting 150k probabilities per token is slow; the nucleus lies within any set of the most
        // likely tokens whose total reaches p, so first drop tokens below a threshold that keeps that much.
        for (var threshold = 1e-3f; threshold > 1e-12f; threshold *= 1e-3f)
        {
            var kept = 0;
            var mass = 0.0;
            for (var i = 0; i < n; i++)
                mass += _keys[i] >= threshold ? _keys[i] : 0;
            if (mass < p)
                continue;
            for (var i = 0; i < n; i++)
            {
                if (_keys[i] >= threshold)
                    (_ids[kept], _keys[kept++]) = (_ids[i], _keys[i]);
            }
            n = kept;
            break;
        }

        for (var i = 0; i < n; i++)
            _keys[i] = -_keys[i]; // ascending sort of negated probabilities = most likely first
        Array.Sort(_keys, _ids, 0, n);
        var cumulative = 0.0;
        var keep = n;
        for (var i = 0; i < n; i++)
        {
            _keys[i] = -_keys[i];
            cumulative += _keys[i];
            if (cumulative >= p && keep == n)
                keep = i + 1;
        }
        return keep;
    }

    private int KeepAtLeast(int n, float minimum)
    {
        var kept = 0;
        for (var i = 0; i < n; i++)
        {
            if (_keys[i] >= minimum)
                (_ids[kept], _keys[kept++]) = (_ids[i], _keys[i]);
        }
        return kept;
    }

    private float Max(int n)
    {
        var max = 0f;
        for (var i = 0; i < n; i++)
            max = Math.Max(max, _keys[i]);
        return max;
    }

    /// <summary>The index of the largest value (the first, on a tie): the greedy choice.</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        var best = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }
}
