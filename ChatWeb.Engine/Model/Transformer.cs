using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Numerics.Tensors;
using ChatWeb.Engine.Execution;
using ChatWeb.Engine.Gguf;

namespace ChatWeb.Engine.Model;

/// <summary>
/// A loaded decoder-only transformer (llama, qwen2, qwen3, phi3, gemma2, gemma3) and its forward pass. One forward step
/// processes a batch of rows — tokens of one or many <see cref="Sequence"/>s — with ONE pass over the
/// weights: a prompt's tokens (prefill, matrix × matrix) or one new token for each of several
/// sequences (batched decoding).
/// </summary>
/// <remarks>
/// Not thread-safe: one caller at a time (the scheduler serialises steps). Buffers are sized once for
/// <see cref="EngineOptions.MaxBatch"/> rows, so a step allocates nothing.
/// </remarks>
public sealed unsafe class Transformer : IStepEngine, IDisposable
{
    private readonly GgufFile _file;
    private readonly ModelWeights _w;
    private readonly WorkerPool _pool;
    private readonly MatMulWork _matMul;
    private readonly AttentionWork _attention;
    private readonly int _maxBatch;
    private readonly ParallelRows _parallelRows;
    private readonly Action<int, int, int> _prepareAttention; // PrepareAttention, bound once
    private readonly Action<int, int, int> _gatedActivation;  // GatedActivation, bound once
    private readonly RopeFrequencies _rope;                   // every layer's, or the full-attention layers'
    private readonly RopeFrequencies? _localRope;             // gemma3's sliding-window layers'
    private readonly KvCacheType _kvCacheType;
    private int _layer;    // the layer PrepareAttention works on
    private int _stepping; // 1 while a step runs: catches two callers at once
    private bool _disposed;

    // Scratch for one step, pinned so worker threads can address it. B = rows in the step.
    private readonly BatchRow[] _rows;  // [B]
    private readonly float[] _x;        // [B, dim]    the residual stream
    private readonly float[] _xb;       // [B, dim]    normalised input of a sub-block / its projected output
    private readonly float[] _q;        // [B, qDim]
    private readonly float[] _k;        // [B, kvDim]
    private readonly float[] _v;        // [B, kvDim]
    private readonly float[] _att;      // [B, qDim]   attention output, heads side by side
    private readonly float[] _hb;       // [B, ffnDim] gate, then silu(gate) ⊙ up (gelu for gemma)
    private readonly float[] _hb2;      // [B, ffnDim] up
    private readonly float[] _scratch;  // [threads, ffnDim]
    private readonly float[] _cos;      // [B, ropeDims / 2]
    private readonly float[] _sin;      // [B, ropeDims / 2]
    private readonly float[] _cosLocal; // [B, ropeDims / 2] gemma3's sliding-window layers (else empty)
    private readonly float[] _sinLocal; // [B, ropeDims / 2]
    private readonly float[] _final;    // [B, dim]    final-normed rows whose logits are wanted

    private Transformer(GgufFile file, ModelConfig config, ModelWeights weights, EngineOptions options)
    {
        _file = file;
        Config = config;
        _w = weights;
        _pool = new WorkerPool(options.Threads);
        _matMul = new MatMulWork(_pool);
        _attention = new AttentionWork(config, _pool.ThreadCount);
        _parallelRows = new ParallelRows(_pool);
        _prepareAttention = PrepareAttention;
        _gatedActivation = GatedActivation;
        _maxBatch = Math.Max(1, options.MaxBatch);
        _kvCacheType = options.KvCacheType;
        if (_kvCacheType == KvCacheType.Q8_0 && config.KvDim % 32 != 0)
            throw new NotSupportedException($"KV cache type Q8_0 needs a key/value width that is a multiple of 32; this model's is {config.KvDim}. Use F16.");
        _rope = RopeFrequencies.Global(config, weights);
        _localRope = RopeFrequencies.Local(config);
        var pairs = config.RopeDims / 2;

        var b = _maxBatch;
        _rows = new BatchRow[b];
        _x = Pinned(b * config.Dim);
        _xb = Pinned(b * config.Dim);
        _q = Pinned(b * config.QDim);
        _k = Pinned(b * config.KvDim);
        _v = Pinned(b * config.KvDim);
        _att = Pinned(b * config.QDim);
        _hb = Pinned(b * config.FfnDim);
        _hb2 = Pinned(b * config.FfnDim);
        _scratch = Pinned(_pool.ThreadCount * config.FfnDim);
        _cos = Pinned(b * pairs);
        _sin = Pinned(b * pairs);
        _cosLocal = Pinned(_localRope is null ? 0 : b * pairs);
        _sinLocal = Pinned(_localRope is null ? 0 : b * pairs);
        _final = Pinned(b * config.Dim);
    }

    internal ModelConfig Config { get; }

    ModelConfig IStepEngine.Config => Config;

    /// <summary>Tokens in the model's vocabulary: the length of one row of logits.</summary>
    public int VocabSize => Config.VocabSize;

    /// <summary>The context length the model was trained for, in tokens.</summary>
    public int ContextLength => Config.ContextLength;

    /// <summary>The file the weights are mapped from (metadata, tokenizer, chat template).</summary>
    internal GgufFile File => _file;

    /// <summary>Threads each forward pass runs on.</summary>
    public int ThreadCount => _pool.ThreadCount;

    /// <summary>Opens a GGUF file and maps its weights. Malformed or unsupported files raise <see cref="GgufFormatException"/>.</summary>
    public static Transformer Load(string path, EngineOptions? options = null)
    {
        var file = GgufFile.Open(path);
        try
        {
            return Load(file, options);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Builds a model over an open file, which the model then owns (and disposes).</summary>
    internal static Transformer Load(GgufFile file, EngineOptions? options = null)
    {
        var config = ModelConfig.FromGguf(file);
        return new Transformer(file, config, ModelWeights.Load(file, config), options ?? new EngineOptions());
    }

    /// <summary>A new, empty sequence with its own KV cache; capacity 0 = min(context length, 4096) tokens.</summary>
    public Sequence CreateSequence(int capacity = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        return new Sequence(this, Config, capacity > 0 ? capacity : Math.Min(Config.ContextLength, 4096), _kvCacheType, _maxBatch);
    }

    /// <summary>Bytes of the KV cache of a sequence of <paramref name="capacity"/> tokens (sliding-window layers keep only their window).</summary>
    public long KvCacheBytes(int capacity) => Sequence.Bytes(Config, capacity, _kvCacheType, _maxBatch);

    /// <summary>Feeds a prompt into a sequence (in chunks of MaxBatch tokens) and writes the last token's logits [vocab].</summary>
    public void Prefill(Sequence sequence, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfZero(tokens.Length);
        CheckLogits(logits, 1);
        CheckSequence(sequence, tokens.Length);
        CheckTokens(tokens);
        for (var start = 0; start < tokens.Length; start += _maxBatch)
        {
            var count = Math.Min(_maxBatch, tokens.Length - start);
            for (var i = 0; i < count; i++)
                SetRow(i, sequence, tokens[start + i], wantLogits: start + i == tokens.Length - 1);
            Step(count, logits);
        }
    }

    /// <summary>
    /// Feeds one token to each sequence in one step (one pass over the weights) and writes their
    /// logits, [sequences.Length, vocab], in the same order.
    /// </summary>
    public void Decode(ReadOnlySpan<Sequence> sequences, ReadOnlySpan<int> tokens, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (sequences.Length != tokens.Length)
            throw new ArgumentException($"{sequences.Length} sequences but {tokens.Length} tokens.", nameof(tokens));
        CheckLogits(logits, sequences.Length);
        for (var i = 0; i < sequences.Length; i++)
        {
            CheckSequence(sequences[i], 1);
            for (var j = 0; j < i; j++)
            {
                if (ReferenceEquals(sequences[i], sequences[j]))
                    throw new ArgumentException($"Sequences {j} and {i} are the same; Decode takes one token per sequence.", nameof(sequences));
            }
        }
        CheckTokens(tokens);
        for (var start = 0; start < sequences.Length; start += _maxBatch)
        {
            var count = Math.Min(_maxBatch, sequences.Length - start);
            for (var i = 0; i < count; i++)
                SetRow(i, sequences[start + i], tokens[start + i], wantLogits: true);
            Step(count, logits.Slice(start * Config.VocabSize));
        }
    }

    /// <summary>
    /// The general step for continuous batching: any mix of prompt chunks and decode tokens of any
    /// sequences, in one pass over the weights (chunked by MaxBatch). A sequence's tokens take its
    /// next positions in the order they appear. Logits of the tokens that want them are written to
    /// <paramref name="logits"/>, [wanted, vocab], in batch order.
    /// </summary>
    public void Forward(ReadOnlySpan<BatchToken> batch, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var wanted = 0;
        for (var i = 0; i < batch.Length; i++)
        {
            var (sequence, token, wantLogits) = batch[i];
            var earlier = 0; // tokens of the same sequence before this one (n² over a batch of a few hundred at most)
            for (var j = 0; j < i; j++)
                earlier += ReferenceEquals(batch[j].Sequence, sequence) ? 1 : 0;
            CheckSequence(sequence, earlier + 1);
            CheckTokens(new ReadOnlySpan<int>(in token));
            wanted += wantLogits ? 1 : 0;
        }
        CheckLogits(logits, wanted);

        var written = 0;
        for (var start = 0; start < batch.Length; start += _maxBatch)
        {
            var count = Math.Min(_maxBatch, batch.Length - start);
            var chunkWanted = 0;
            for (var i = 0; i < count; i++)
            {
                var entry = batch[start + i];
                SetRow(i, entry.Sequence, entry.Token, entry.WantLogits);
                chunkWanted += entry.WantLogits ? 1 : 0;
            }
            Step(count, logits.Slice(written * Config.VocabSize));
            written += chunkWanted;
        }
    }

    /// <summary>One token for one sequence: <c>Decode([sequence], [token], logits)</c>.</summary>
    public void Decode(Sequence sequence, int token, Span<float> logits) =>
        Decode(new ReadOnlySpan<Sequence>(ref sequence), new ReadOnlySpan<int>(ref token), logits);

    private void SetRow(int index, Sequence sequence, int token, bool wantLogits)
    {
        _rows[index] = new BatchRow { Sequence = sequence, Token = token, Position = sequence.Length, WantLogits = wantLogits };
        sequence.Length++;
    }

    private void CheckTokens(ReadOnlySpan<int> tokens)
    {
        foreach (var token in tokens)
        {
            if ((uint)token >= (uint)Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"Token ids run from 0 to {Config.VocabSize - 1}.");
        }
    }

    private void CheckSequence(Sequence sequence, int tokens)
    {
        if (!ReferenceEquals(sequence.Owner, this))
            throw new ArgumentException("The sequence belongs to another model.", nameof(sequence));
        if (sequence.Length + tokens > sequence.Capacity)
            throw new InvalidOperationException($"The sequence holds {sequence.Length} of {sequence.Capacity} tokens; {tokens} more do not fit.");
    }

    private void CheckLogits(Span<float> logits, int rows)
    {
        if (logits.Length < rows * Config.VocabSize)
            throw new ArgumentException($"Logits need room for {rows} × {Config.VocabSize} floats.", nameof(logits));
    }

    /// <summary>The forward pass over rows [0, count) of <see cref="_rows"/>; logits of wanted rows go to <paramref name="logits"/> in row order.</summary>
    private void Step(int count, Span<float> logits)
    {
        ObjectDisposedException.ThrowIf(_disposed, this); // the weights' memory is unmapped
        if (Interlocked.Exchange(ref _stepping, 1) != 0)
            throw new InvalidOperationException("A Transformer runs one step at a time; another thread is using it.");
        try
        {
            ForwardPass(count, logits);
        }
        finally
        {
            Volatile.Write(ref _stepping, 0);
        }
    }

    /// <summary>The forward pass itself, top to bottom (see <see cref="Step"/>).</summary>
    private void ForwardPass(int count, Span<float> logits)
    {
        var c = Config;
        var dim = c.Dim;
        var pairs = c.RopeDims / 2;

        // token embedding: x[b] = token_embd[token_b] (gemma: × √dim)
        for (var b = 0; b < count; b++)
        {
            _w.TokenEmbedding.DequantizeRow(_rows[b].Token, Row(_x, b, dim));
            if (c.EmbeddingScale != 1f)
                TensorPrimitives.Multiply(Row(_x, b, dim), c.EmbeddingScale, Row(_x, b, dim));
        }

        // RoPE angles for each row's position: θ = position · inverse frequency (gemma3's local layers have their own)
        for (var b = 0; b < count; b++)
        {
            var (position, capacity) = (_rows[b].Position, _rows[b].Sequence.Capacity);
            _rope.Angles(position, capacity, _cos.AsSpan(b * pairs, pairs), _sin.AsSpan(b * pairs, pairs));
            _localRope?.Angles(position, capacity, _cosLocal.AsSpan(b * pairs, pairs), _sinLocal.AsSpan(b * pairs, pairs));
        }

        for (var l = 0; l < c.LayerCount; l++)
        {
            var layer = _w.Layers[l];

            // attention: xb = rmsnorm(x) ⊙ attn_norm
            for (var b = 0; b < count; b++)
                Ops.RmsNorm(Row(_x, b, dim), layer.AttentionNorm, Row(_xb, b, dim), c.RmsEpsilon);

            // q, k, v = xb · Wqᵀ, xb · Wkᵀ, xb · Wvᵀ (one parallel pass over the three matrices)
            _matMul.Run(P(_xb), count, layer.Wq, P(_q), layer.Wk, P(_k), layer.Wv, P(_v));

            // per row: qwen2 bias, qwen3 q/k norms, RoPE, then k and v into the row's sequence cache
            _layer = l;
            _parallelRows.Run(count, _prepareAttention);

            // att = softmax(q·kᵀ × query scale) · v per head, over each row's cache (causal; the last window on sliding layers)
            _attention.Run(_pool, l, _rows, count, _q, _att);

            // x += att · Woᵀ (gemma: normalised first)
            _matMul.Run(P(_att), count, layer.Wo, P(_xb));
            if (layer.PostAttentionNorm is not null)
                PostNorm(count, layer.PostAttentionNorm);
            TensorPrimitives.Add(_x.AsSpan(0, count * dim), _xb.AsSpan(0, count * dim), _x.AsSpan(0, count * dim));

            // feed-forward: xb = rmsnorm(x) ⊙ ffn_norm
            for (var b = 0; b < count; b++)
                Ops.RmsNorm(Row(_x, b, dim), layer.FfnNorm, Row(_xb, b, dim), c.RmsEpsilon);

            // hb = silu(xb · Wgateᵀ) ⊙ (xb · Wupᵀ) (gemma: gelu)
            _matMul.Run(P(_xb), count, layer.Gate, P(_hb), layer.Up, P(_hb2));
            _parallelRows.Run(count, _gatedActivation);

            // x += hb · Wdownᵀ (gemma: normalised first)
            _matMul.Run(P(_hb), count, layer.Down, P(_xb));
            if (layer.PostFfnNorm is not null)
                PostNorm(count, layer.PostFfnNorm);
            TensorPrimitives.Add(_x.AsSpan(0, count * dim), _xb.AsSpan(0, count * dim), _x.AsSpan(0, count * dim));
        }

        // final norm of the rows whose logits are wanted, then logits = final · Woutputᵀ
        var wanted = 0;
        for (var b = 0; b < count; b++)
        {
            if (_rows[b].WantLogits)
                Ops.RmsNorm(Row(_x, b, dim), _w.OutputNorm, Row(_final, wanted++, dim), c.RmsEpsilon);
            _rows[b] = default; // drop references to sequences
        }
        if (wanted > 0)
        {
            fixed (float* output = logits)
                _matMul.Run(P(_final), wanted, _w.Output, output);

            // gemma2: logits → cap·tanh(logits / cap)
            if (c.FinalSoftCap > 0)
                Ops.SoftCap(logits[..(wanted * c.VocabSize)], c.FinalSoftCap);
        }
    }

    /// <summary>xb = rmsnorm(xb) ⊙ weight for rows [0, count): gemma's norm of a sub-block's output before the residual add.</summary>
    private void PostNorm(int count, float[] weight)
    {
        for (var b = 0; b < count; b++)
            Ops.RmsNorm(Row(_xb, b, Config.Dim), weight, Row(_xb, b, Config.Dim), Config.RmsEpsilon);
    }

    /// <summary>Rows [start, end) of the step, after the q/k/v projections of layer <see cref="_layer"/>.</summary>
    private void PrepareAttention(int start, int end, int worker)
    {
        var c = Config;
        var layer = _w.Layers[_layer];
        var pairs = c.RopeDims / 2;
        for (var b = start; b < end; b++)
        {
            var q = Row(_q, b, c.QDim);
            var k = Row(_k, b, c.KvDim);
            var v = Row(_v, b, c.KvDim);

            // qwen2: + bias
            if (layer.Bq is not null)
            {
                TensorPrimitives.Add(q, layer.Bq, q);
                TensorPrimitives.Add(k, layer.Bk!, k);
                TensorPrimitives.Add(v, layer.Bv!, v);
            }

            // qwen3, gemma3: RMS-normalise each head of q and k
            if (layer.QNorm is not null)
            {
                for (var h = 0; h < c.QDim; h += c.HeadDim)
                    Ops.RmsNorm(q.Slice(h, c.HeadDim), layer.QNorm, q.Slice(h, c.HeadDim), c.RmsEpsilon);
                for (var h = 0; h < c.KvDim; h += c.HeadDim)
                    Ops.RmsNorm(k.Slice(h, c.HeadDim), layer.KNorm!, k.Slice(h, c.HeadDim), c.RmsEpsilon);
            }

            // rotary position embedding of q and k (gemma3's sliding-window layers turn at their own rates)
            var local = _localRope is not null && c.IsSliding(_layer);
            var cos = (local ? _cosLocal : _cos).AsSpan(b * pairs, pairs);
            var sin = (local ? _sinLocal : _sin).AsSpan(b * pairs, pairs);
            Ops.Rope(q, c.HeadDim, cos, sin, c.Architecture.Rope);
            Ops.Rope(k, c.HeadDim, cos, sin, c.Architecture.Rope);

            // store k and v in the row's sequence cache at its position
            var row = _rows[b];
            row.Sequence.Store(_layer, row.Position, k, v);
        }
    }

    /// <summary>hb = silu(gate) ⊙ up (gemma: gelu(gate) ⊙ up) for rows [start, end).</summary>
    private void GatedActivation(int start, int end, int worker)
    {
        var ffn = Config.FfnDim;
        var gelu = Config.Architecture.GeluFfn;
        for (var b = start; b < end; b++)
        {
            if (gelu)
                Ops.GeluGlu(Row(_hb, b, ffn), Row(_hb2, b, ffn), _scratch.AsSpan(worker * ffn, ffn));
            else
                Ops.SwiGlu(Row(_hb, b, ffn), Row(_hb2, b, ffn), _scratch.AsSpan(worker * ffn, ffn));
        }
    }

    private static Span<float> Row(float[] matrix, int row, int width) => matrix.AsSpan(row * width, width);

    private static float[] Pinned(int length) => GC.AllocateArray<float>(length, pinned: true);

    /// <summary>The address of a pinned scratch array.</summary>
    private static float* P(float[] pinned) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    /// <summary>Stops the threads and unmaps the file; call it only when no step is running.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _pool.Dispose();
        _file.Dispose();
    }
}
