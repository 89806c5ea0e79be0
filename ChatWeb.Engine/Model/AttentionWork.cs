using ChatWeb.Engine.Execution;

namespace ChatWeb.Engine.Model;

/// <summary>
/// Causal self-attention for one layer, one item per (row, key/value head) and its query heads: scores = q·k × query scale
/// over the positions the row sees in its sequence's cache ([0, position], or the last window of them
/// on a sliding-window layer), an optional soft-cap, softmax, then the weighted sum of the cached values.
/// The cache keeps positions contiguous, so each item is two small kernels (<see cref="AttentionKernels"/>)
/// that take the query heads four at a time, reading the keys and values once per four heads.
/// Rows of different sequences read different caches; rows of one sequence see the keys the same
/// step stored before them.
/// </summary>
/// <remarks>
/// Items go key/value head by key/value head, then row by row, so a worker's consecutive items read
/// the same head of the same sequence: a cache that is not plain F32 is converted to floats once per
/// (chunk of items, run of rows of one sequence, key/value head), covering every position those rows
/// see, not once per row (a 150-token turn after 1,800 tokens of history converted the history 150
/// times per layer).
/// </remarks>
internal sealed unsafe class AttentionWork(ModelConfig config, int threads) : IParallelWork
{
    private readonly Scratch[] _scratch = Enumerable.Range(0, threads).Select(_ => new Scratch()).ToArray(); // per worker
    private BatchRow[] _rows = [];
    private int[] _groupStart = []; // [row] the first row of its run of rows of one sequence
    private int[] _first = [], _last = []; // [group's first row] the lowest first and highest last position its rows see
    private int _count;
    private float[] _q = [];     // [batch, qDim]
    private float[] _out = [];   // [batch, qDim]
    private int _layer;
    private int _run;            // counts runs, so a worker knows whether its converted key/value head is this run's

    public void Run(WorkerPool pool, int layer, BatchRow[] rows, int count, float[] q, float[] output)
    {
        var capacity = 0;
        long positions = 0;
        var converts = config.IsSliding(layer);
        if (_groupStart.Length < count)
            (_groupStart, _first, _last) = (new int[rows.Length], new int[rows.Length], new int[rows.Length]);
        for (var b = 0; b < count; b++)
        {
            var sequence = rows[b].Sequence;
            capacity = Math.Max(capacity, sequence.Capacity);
            var seen = Math.Min(rows[b].Position + 1, config.AttendedPositions(layer, sequence.Capacity));
            positions += seen;
            converts |= sequence.Type != KvCacheType.F32;
            var first = rows[b].Position - seen + 1;
            var group = _groupStart[b] = b > 0 && ReferenceEquals(rows[b - 1].Sequence, sequence) ? _groupStart[b - 1] : b;
            (_first[group], _last[group]) = group == b ? (first, rows[b].Position) : (Math.Min(_first[group], first), Math.Max(_last[group], rows[b].Position));
        }
        foreach (var scratch in _scratch)
            scratch.Ensure(capacity, config.HeadCount / config.KvHeadCount, converts ? config.HeadDim : 0); // once per larger sequence capacity, never per token
        (_layer, _rows, _count, _q, _out) = (layer, rows, count, q, output);
        _run++;
        var items = count * config.KvHeadCount;
        // Short contexts (under 4096 position·heads: tens of microseconds) stay on this thread.
        var grain = positions * config.HeadCount < 4096 ? items : Math.Max(1, items / (pool.ThreadCount * 4));
        pool.Run(this, items, grain);
    }

    public void Execute(int start, int end, int worker)
    {
        var headDim = config.HeadDim;
        var qDim = config.QDim;
        var groupSize = config.HeadCount / config.KvHeadCount; // query heads sharing one key/value head
        var scratch = _scratch[worker];
        fixed (float* scores = scratch.Scores, keyScratch = scratch.Keys, valueScratch = scratch.Values, scaleScratch = scratch.Scales, allQ = _q, allOut = _out)
            for (var item = start; item < end; item++)
            {
                // item = kvHead · rows + b: key/value head, then row
                var kvHead = item / _count;
                var b = item % _count;
                var h = kvHead * groupSize; // its first query head
                var row = _rows[b];
                var sequence = row.Sequence;
                // the positions this row sees: all up to its own, or the last window of them
                var positions = Math.Min(row.Position + 1, config.AttendedPositions(_layer, sequence.Capacity));
                var first = row.Position - positions + 1;

                // this head's keys and values as floats [headDim, positions of the row's group] (read once
                // per key/value head and group of rows; the row takes its part of them)
                var group = _groupStart[b];
                if (scratch.Run != _run || scratch.Group != group || scratch.KvHead != kvHead)
                {
                    sequence.Read(_layer, kvHead * headDim, headDim, _first[group], _last[group] - _first[group] + 1,
                        keyScratch, valueScratch, scaleScratch, out scratch.KeyPointer, out scratch.ValuePointer, out scratch.Stride);
                    (scratch.Run, scratch.Group, scratch.KvHead) = (_run, group, kvHead);
                }
                var keys = scratch.KeyPointer + (first - _first[group]);
                var values = scratch.ValuePointer + (first - _first[group]);

                // scores[g, t] = q_g·k[t] × query scale for every query head g of this key/value head and position t the row sees
                AttentionKernels.ScoresHeads(allQ + b * qDim + h * headDim, headDim, groupSize, headDim, keys, scratch.Stride, positions,
                    config.QueryScale, scores, positions);

                for (var g = 0; g < groupSize; g++)
                {
                    // gemma2: s → cap·tanh(s / cap)
                    var span = new Span<float>(scores + g * positions, positions);
                    if (config.AttentionSoftCap > 0)
                        Ops.SoftCap(span, config.AttentionSoftCap);
                    Ops.Softmax(span);
                }

                // out_g[i] = Σ_t scores[g, t] · v[t, i]
                AttentionKernels.WeightedValuesHeads(scores, positions, groupSize, positions, values, scratch.Stride, headDim,
                    allOut + b * qDim + h * headDim, headDim);
            }
    }

    /// <summary>One worker's buffers, and which key/value head its converted keys and values belong to.</summary>
    private sealed class Scratch
    {
        public float[] Scores = [];  // [query heads of a key/value head, positions]
        public float[] Keys = [];    // [headDim, positions] when the cache must be converted or unwrapped
        public float[] Values = [];  // [headDim, positions]
        public float[] Scales = [];  // [2, positions] Q8_0 block scales of keys and values
        public int Run = -1, Group, KvHead, Stride;
        public float* KeyPointer, ValuePointer;

        public void Ensure(int positions, int groupSize, int headDim)
        {
            if (Scores.Length < groupSize * positions)
                Scores = new float[groupSize * positions];
            if (Keys.Length < positions * headDim)
            {
                Keys = GC.AllocateArray<float>(positions * headDim, pinned: true);
                Values = GC.AllocateArray<float>(positions * headDim, pinned: true);
                Scales = GC.AllocateArray<float>(2 * positions, pinned: true);
                Run = -1; // the pointers into the old arrays are stale
            }
        }
    }
}
