using ChatWeb.Engine.Execution;

namespace ChatWeb.Engine.Model;

/// <summary>
/// Causal self-attention for one layer, one item per (row, query head): scores = q·k × query scale
/// over the positions the row sees in its sequence's cache ([0, position], or the last window of them
/// on a sliding-window layer), an optional soft-cap, softmax, then the weighted sum of the cached values.
/// The cache keeps positions contiguous, so each item is two small kernels (<see cref="AttentionKernels"/>).
/// Rows of different sequences read different caches; rows of one sequence see the keys the same
/// step stored before them.
/// </summary>
internal sealed unsafe class AttentionWork(ModelConfig config, int threads) : IParallelWork
{
    private readonly Scratch[] _scratch = Enumerable.Range(0, threads).Select(_ => new Scratch()).ToArray(); // per worker
    private BatchRow[] _rows = [];
    private float[] _q = [];     // [batch, qDim]
    private float[] _out = [];   // [batch, qDim]
    private int _layer;
    private int _run;            // counts runs, so a worker knows whether its converted key/value head is this run's

    public void Run(WorkerPool pool, int layer, BatchRow[] rows, int count, float[] q, float[] output)
    {
        var capacity = 0;
        long positions = 0;
        var converts = config.IsSliding(layer);
        for (var b = 0; b < count; b++)
        {
            var sequence = rows[b].Sequence;
            capacity = Math.Max(capacity, sequence.Capacity);
            positions += Math.Min(rows[b].Position + 1, config.AttendedPositions(layer, sequence.Capacity));
            converts |= sequence.Type != KvCacheType.F32;
        }
        foreach (var scratch in _scratch)
            scratch.Ensure(capacity, converts ? config.HeadDim : 0); // once per larger sequence capacity, never per token
        (_layer, _rows, _q, _out) = (layer, rows, q, output);
        _run++;
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
        var scratch = _scratch[worker];
        fixed (float* scores = scratch.Scores, keyScratch = scratch.Keys, valueScratch = scratch.Values, scaleScratch = scratch.Scales, allQ = _q, allOut = _out)
            for (var item = start; item < end; item++)
            {
                var b = item / config.HeadCount;
                var h = item % config.HeadCount;
                var row = _rows[b];
                var sequence = row.Sequence;
                var kvHead = h / groupSize;
                // the positions this row sees: all up to its own, or the last window of them
                var positions = Math.Min(row.Position + 1, config.AttendedPositions(_layer, sequence.Capacity));

                // this head's keys and values as floats [headDim, positions] (converted once per key/value head and row)
                if (scratch.Run != _run || scratch.Row != b || scratch.KvHead != kvHead)
                {
                    sequence.Read(_layer, kvHead * headDim, headDim, row.Position - positions + 1, positions,
                        keyScratch, valueScratch, scaleScratch, out scratch.KeyPointer, out scratch.ValuePointer, out scratch.Stride);
                    (scratch.Run, scratch.Row, scratch.KvHead) = (_run, b, kvHead);
                }

                // scores[t] = q·k[t] × query scale for every position t the row sees
                AttentionKernels.Scores(allQ + b * qDim + h * headDim, headDim, scratch.KeyPointer, scratch.Stride, positions, config.QueryScale, scores);

                // gemma2: s → cap·tanh(s / cap)
                var span = new Span<float>(scores, positions);
                if (config.AttentionSoftCap > 0)
                    Ops.SoftCap(span, config.AttentionSoftCap);

                Ops.Softmax(span);

                // out[i] = Σ_t scores[t] · v[t, i]
                AttentionKernels.WeightedValues(scores, positions, scratch.ValuePointer, scratch.Stride, headDim, allOut + b * qDim + h * headDim);
            }
    }

    /// <summary>One worker's buffers, and which key/value head its converted keys and values belong to.</summary>
    private sealed class Scratch
    {
        public float[] Scores = [];  // [positions]
        public float[] Keys = [];    // [headDim, positions] when the cache must be converted or unwrapped
        public float[] Values = [];  // [headDim, positions]
        public float[] Scales = [];  // [2, positions] Q8_0 block scales of keys and values
        public int Run = -1, Row, KvHead, Stride;
        public float* KeyPointer, ValuePointer;

        public void Ensure(int positions, int headDim)
        {
            if (Scores.Length < positions)
                Scores = new float[positions];
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
