using System.Numerics.Tensors;
using ChatWeb.Engine.Execution;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Model;

/// <summary>
/// Causal self-attention for one layer: scores = q·k × query scale over the positions a row sees in
/// its sequence's cache ([0, position], or the last window of them on a sliding-window layer), an
/// optional soft-cap, softmax, then the weighted sum of the cached values. Rows of different sequences
/// read different caches; rows of one sequence see the keys the same step stored before them.
/// </summary>
/// <remarks>
/// One item per (tile, key/value head). A tile is up to <see cref="TileRows"/> consecutive rows of one
/// sequence. A sequence with one row in the step (decoding) goes through <see cref="AttentionKernels"/>,
/// its query heads four at a time sharing each key and value load. A run of several rows (a prompt)
/// goes through <see cref="AttentionTileKernels"/>: the tile's rows × query heads are one small matrix
/// product over the keys and one over the values (transposed once per run), each block of them read
/// once for all of the tile's query vectors; each row's softmax covers only the positions it sees
/// (the rest of the tile's span gets weight 0).
/// Items go key/value head by key/value head, then tile by tile, so a worker's consecutive items read
/// the same head of the same sequence: a cache that is not plain F32 is converted to floats once per
/// (chunk of items, run of rows of one sequence, key/value head), covering every position those rows
/// see, not once per row.
/// </remarks>
internal sealed unsafe class AttentionWork(ModelConfig config, int threads) : IParallelWork
{
    /// <summary>Rows of one sequence whose attention shares each load of keys and values.</summary>
    internal const int TileRows = 4;

    private readonly Scratch[] _scratch = Enumerable.Range(0, threads).Select(_ => new Scratch()).ToArray(); // per worker
    private BatchRow[] _rows = [];
    private int[] _groupStart = []; // [row] the first row of its run of rows of one sequence
    private int[] _groupRows = [];  // [group's first row] rows in the run
    private int[] _first = [], _last = []; // [group's first row] the lowest first and highest last position its rows see
    private int[] _tileStart = [];  // [tile] its first row; [tiles] = count
    private int _tiles;
    private float[] _q = [];     // [batch, qDim]
    private float[] _out = [];   // [batch, qDim]
    private int _layer;
    private int _run;            // counts runs, so a worker knows whether its converted key/value head is this run's

    public void Run(WorkerPool pool, int layer, BatchRow[] rows, int count, float[] q, float[] output)
    {
        var capacity = 0;
        long positions = 0;
        var converts = config.IsSliding(layer);
        if (_groupStart.Length < count + 1)
            (_groupStart, _groupRows, _first, _last, _tileStart) =
                (new int[rows.Length + 1], new int[rows.Length + 1], new int[rows.Length + 1], new int[rows.Length + 1], new int[rows.Length + 1]);
        _tiles = 0;
        for (var b = 0; b < count; b++)
        {
            var sequence = rows[b].Sequence;
            capacity = Math.Max(capacity, sequence.Capacity);
            var seen = Seen(rows[b], layer);
            positions += seen;
            converts |= sequence.Type != KvCacheType.F32;
            var first = rows[b].Position - seen + 1;
            var group = _groupStart[b] = b > 0 && ReferenceEquals(rows[b - 1].Sequence, sequence) ? _groupStart[b - 1] : b;
            (_first[group], _last[group], _groupRows[group]) = group == b
                ? (first, rows[b].Position, 1)
                : (Math.Min(_first[group], first), Math.Max(_last[group], rows[b].Position), _groupRows[group] + 1);
            if (group == b || (b - group) % TileRows == 0)
                _tileStart[_tiles++] = b;
        }
        _tileStart[_tiles] = count;
        foreach (var scratch in _scratch)
            scratch.Ensure(capacity, config.HeadCount / config.KvHeadCount, config.HeadDim, converts); // once per larger sequence capacity, never per token
        (_layer, _rows, _q, _out) = (layer, rows, q, output);
        _run++;
        var items = _tiles * config.KvHeadCount;
        // Short contexts (under 4096 position·heads: tens of microseconds) stay on this thread.
        var grain = positions * config.HeadCount < 4096 ? items : Math.Max(1, items / (pool.ThreadCount * 4));
        pool.Run(this, items, grain);
    }

    public void Execute(int start, int end, int worker)
    {
        var scratch = _scratch[worker];
        for (var item = start; item < end; item++)
        {
            // item = kvHead · tiles + tile: key/value head, then tile
            var kvHead = item / _tiles;
            var tile = item % _tiles;
            var b = _tileStart[tile];
            var group = _groupStart[b];
            var tiled = _groupRows[group] > 1;

            // this head's keys and values as floats [headDim, positions of the row's group] (read once
            // per key/value head and group of rows; the rows take their part of them)
            if (scratch.Run != _run || scratch.Group != group || scratch.KvHead != kvHead)
            {
                var count = _last[group] - _first[group] + 1;
                _rows[b].Sequence.Read(_layer, kvHead * config.HeadDim, config.HeadDim, _first[group], count,
                    scratch.Keys, scratch.Values, scratch.Scales, out scratch.KeyPointer, out scratch.ValuePointer, out scratch.Stride);
                if (tiled)
                    AttentionTileKernels.Transpose(scratch.ValuePointer, scratch.Stride, config.HeadDim, count, scratch.ValuesByPosition);
                (scratch.Run, scratch.Group, scratch.KvHead) = (_run, group, kvHead);
            }
            if (tiled)
                AttendTile(scratch, kvHead, b, _tileStart[tile + 1], _first[group]);
            else
                for (var r = b; r < _tileStart[tile + 1]; r++)
                    AttendRow(scratch, kvHead, r, _first[group]);
        }
    }

    // One row (the only one of its sequence in this step) and the query heads of one key/value head.
    private void AttendRow(Scratch scratch, int kvHead, int b, int groupFirst)
    {
        var (headDim, qDim) = (config.HeadDim, config.QDim);
        var groupSize = config.HeadCount / config.KvHeadCount; // query heads sharing one key/value head
        var h = kvHead * groupSize; // its first query head
        var row = _rows[b];
        var positions = Seen(row, _layer);
        var first = row.Position - positions + 1;
        var keys = scratch.KeyPointer + (first - groupFirst);
        var values = scratch.ValuePointer + (first - groupFirst);
        fixed (float* allQ = _q, allOut = _out)
        {
            // scores[g, t] = q_g·k[t] × query scale for every query head g of this key/value head and position t the row sees
            AttentionKernels.ScoresHeads(allQ + b * qDim + h * headDim, headDim, groupSize, headDim, keys, scratch.Stride, positions,
                config.QueryScale, scratch.Scores, positions);
            for (var g = 0; g < groupSize; g++)
                Normalize(new Span<float>(scratch.Scores + g * positions, positions));
            // out_g[i] = Σ_t scores[g, t] · v[t, i]
            AttentionKernels.WeightedValuesHeads(scratch.Scores, positions, groupSize, positions, values, scratch.Stride, headDim,
                allOut + b * qDim + h * headDim, headDim);
        }
    }

    // Rows [b, end) of one sequence and the query heads of one key/value head: one product over the span of positions they see together.
    private void AttendTile(Scratch scratch, int kvHead, int b, int end, int groupFirst)
    {
        var (headDim, qDim) = (config.HeadDim, config.QDim);
        var groupSize = config.HeadCount / config.KvHeadCount;
        var h = kvHead * groupSize;
        var rows = end - b;
        var (spanFirst, spanLast) = (int.MaxValue, 0);
        for (var r = b; r < end; r++)
        {
            var seen = Seen(_rows[r], _layer);
            (spanFirst, spanLast) = (Math.Min(spanFirst, _rows[r].Position - seen + 1), Math.Max(spanLast, _rows[r].Position));
        }
        var span = spanLast - spanFirst + 1;
        var scoresStride = Sequence.Padded(span);
        var vectors = rows * groupSize; // query vectors j = row · groupSize + head
        float* q = scratch.TileQueries, scores = scratch.Scores, output = scratch.TileOutput;
        fixed (float* allQ = _q, allOut = _out)
        {
            // q_j × query scale, gathered [vectors, headDim]
            for (var r = 0; r < rows; r++)
                Scale(allQ + (b + r) * qDim + h * headDim, config.QueryScale, groupSize * headDim, q + r * groupSize * headDim);
            // scores[j, t] = q_j·k[t] for every position of the span
            AttentionTileKernels.Scores(q, vectors, headDim, scratch.KeyPointer + (spanFirst - groupFirst), scratch.Stride, span,
                scores, scoresStride, Simd.Best);
            // softmax over the positions each row sees; weight 0 for the rest of the span
            for (var r = 0; r < rows; r++)
            {
                var position = _rows[b + r].Position;
                var seen = Seen(_rows[b + r], _layer);
                var from = position - seen + 1 - spanFirst;
                for (var g = 0; g < groupSize; g++)
                {
                    var line = new Span<float>(scores + (r * groupSize + g) * scoresStride, span);
                    line[..from].Clear();
                    Normalize(line.Slice(from, seen));
                    line[(from + seen)..].Clear();
                }
            }
            // out_j = Σ_t scores[j, t] · v[t]
            AttentionTileKernels.WeightedValues(scores, scoresStride, vectors, span,
                scratch.ValuesByPosition + (long)(spanFirst - groupFirst) * headDim, headDim, output, Simd.Best);
            for (var r = 0; r < rows; r++)
                new Span<float>(output + r * groupSize * headDim, groupSize * headDim).CopyTo(new Span<float>(allOut + (b + r) * qDim + h * headDim, groupSize * headDim));
        }
    }

    // How many positions a row sees: all up to its own, or the last window of them on a sliding-window layer.
    private int Seen(BatchRow row, int layer) => Math.Min(row.Position + 1, config.AttendedPositions(layer, row.Sequence.Capacity));

    private static void Scale(float* x, float scale, int length, float* target) =>
        TensorPrimitives.Multiply(new ReadOnlySpan<float>(x, length), scale, new Span<float>(target, length));

    // gemma2: s → cap·tanh(s / cap); then softmax
    private void Normalize(Span<float> scores)
    {
        if (config.AttentionSoftCap > 0)
            Ops.SoftCap(scores, config.AttentionSoftCap);
        Ops.Softmax(scores);
    }

    /// <summary>One worker's buffers (pinned, 64-byte aligned), and which key/value head its converted keys and values belong to.</summary>
    private sealed class Scratch
    {
        private float[] _scores = [], _keys = [], _values = [], _scales = [], _byPosition = [], _queries = [], _output = [];
        public float* Scores;           // [query vectors of a tile, padded positions]
        public float* Keys, Values;     // [headDim, padded positions] when the cache must be converted or unwrapped
        public float* Scales;           // [2, positions] Q8_0 block scales of keys and values
        public float* ValuesByPosition; // [positions, headDim] the values of a run of rows, for tiles
        public float* TileQueries, TileOutput; // [query vectors of a tile, headDim]
        public int Run = -1, Group, KvHead, Stride;
        public float* KeyPointer, ValuePointer;

        public void Ensure(int positions, int groupSize, int headDim, bool converts)
        {
            var padded = Sequence.Padded(positions);
            Scores = Aligned(ref _scores, TileRows * groupSize * padded);
            TileQueries = Aligned(ref _queries, TileRows * groupSize * headDim);
            TileOutput = Aligned(ref _output, TileRows * groupSize * headDim);
            var byPosition = Aligned(ref _byPosition, padded * headDim);
            if (byPosition != ValuesByPosition)
            {
                ValuesByPosition = byPosition;
                Run = -1; // the transposed values of the old array are gone
            }
            if (!converts)
                return;
            float* keys = Aligned(ref _keys, padded * headDim), values = Aligned(ref _values, padded * headDim);
            if (keys != Keys || values != Values)
            {
                Keys = keys;
                Values = values;
                Run = -1; // the pointers into the old arrays are stale
            }
            Scales = Aligned(ref _scales, 2 * positions);
        }

        // A pinned array of at least length floats (grown, never shrunk), and its first 64-byte aligned element.
        private static float* Aligned(ref float[] array, int length)
        {
            if (array.Length < length + 16)
                array = GC.AllocateArray<float>(length + 16, pinned: true);
            fixed (float* p = array)
                return (float*)(((nint)p + 63) & ~(nint)63);
        }
    }
}
