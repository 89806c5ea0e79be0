using ChatWeb.Engine.Execution;

namespace ChatWeb.Engine.Model;

/// <summary>
/// Causal self-attention for one layer, one item per (row, query head): scores = q·k / √headDim over
/// the row's sequence cache [0, position], softmax, then the weighted sum of the cached values.
/// The cache keeps positions contiguous, so each item is two small kernels (<see cref="AttentionKernels"/>).
/// Rows of different sequences read different caches; rows of one sequence see the keys the same
/// step stored before them.
/// </summary>
internal sealed unsafe class AttentionWork(ModelConfig config, int threads) : IParallelWork
{
    private readonly float[][] _scores = Enumerable.Range(0, threads).Select(_ => Array.Empty<float>()).ToArray(); // per worker [positions]
    private readonly float _scale = 1f / MathF.Sqrt(config.HeadDim);
    private BatchRow[] _rows = [];
    private float[] _q = [];     // [batch, qDim]
    private float[] _out = [];   // [batch, qDim]
    private int _layer;

    public void Run(WorkerPool pool, int layer, BatchRow[] rows, int count, float[] q, float[] output)
    {
        var capacity = 0;
        long positions = 0;
        for (var b = 0; b < count; b++)
        {
            capacity = Math.Max(capacity, rows[b].Sequence.Capacity);
            positions += rows[b].Position + 1;
        }
        for (var w = 0; w < _scores.Length; w++)
        {
            if (_scores[w].Length < capacity)
                _scores[w] = new float[capacity]; // once per larger sequence capacity, never per token
        }
        (_layer, _rows, _q, _out) = (layer, rows, q, output);
        var items = count * config.HeadCount;
        // Short contexts (under 4096 position·heads: tens of microseconds) stay on this thread.
        var grain = positions * config.HeadCount < 4096 ? items : Math.Max(1, items / (pool.ThreadCount * 4));
        pool.Run(this, items, grain);
    }

    public void Execute(int start, int end, int worker)
    {
        var headDim = config.HeadDim;
        var qDim = config.QDim;
        var groupSize = config.HeadCount / config.KvHeadCount; // query heads sharing one key/value head
        fixed (float* allScores = _scores[worker], allQ = _q, allOut = _out)
            for (var item = start; item < end; item++)
            {
                var b = item / config.HeadCount;
                var h = item % config.HeadCount;
                var row = _rows[b];
                var sequence = row.Sequence;
                var firstDimension = h / groupSize * headDim; // of this head's key/value head, in kvDim
                var positions = row.Position + 1;
                fixed (float* keys = sequence.Keys, values = sequence.Values)
                {
                    // scores[t] = q·k[t] / √headDim for every cached position t ≤ this row's position
                    // (the cache is [kvDim, position]: each dimension's keys are contiguous)
                    AttentionKernels.Scores(allQ + b * qDim + h * headDim, headDim, keys + sequence.RowOffset(_layer, firstDimension),
                        sequence.Capacity, positions, _scale, allScores);

                    Ops.Softmax(new Span<float>(allScores, positions));

                    // out[i] = Σ_t scores[t] · v[t, i]
                    AttentionKernels.WeightedValues(allScores, positions, values + sequence.RowOffset(_layer, firstDimension),
                        sequence.Capacity, headDim, allOut + b * qDim + h * headDim);
                }
            }
    }
}
