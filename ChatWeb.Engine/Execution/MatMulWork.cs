using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Execution;

/// <summary>
/// y = x·Wᵀ for up to three weight matrices that read the same input (Q, K and V; gate and up),
/// their rows split across the pool's threads as one run. One instance is reused for every call.
/// </summary>
/// <remarks>
/// Where a matrix takes the 8-bit batch path (<see cref="Block32ByteBatch"/>, which K-type
/// batches take too) or the 256-weight types' kernels (<see cref="ByteBlock256Kernels"/>), x is quantized once here, before the run, and every thread's
/// chunks read it (for the 256-weight types at a 512-token prompt this also keeps one copy of x's
/// bytes and tiles instead of one per thread); otherwise each chunk quantizes x itself
/// (see <see cref="WeightMatrix"/>), which for several chunks per thread means quantizing the same x
/// several times. With x shared, the run is cut as finely as at batch 1, so a thread the OS delays
/// holds the others up less.
/// </remarks>
internal sealed unsafe class MatMulWork(WorkerPool pool) : IParallelWork
{
    private const int MaxMatrices = 3;
    private readonly WeightMatrix?[] _matrices = new WeightMatrix?[MaxMatrices];
    private readonly nint[] _outputs = new nint[MaxMatrices];
    private int _matrixCount;
    private readonly TiledByteActivations _bytes = new();
    private TiledByteActivations? _quantizedX; // _bytes when this run's x was quantized for the 8-bit path
    private readonly ByteActivations256 _bytes256 = new();
    private ByteActivations256? _quantizedX256; // _bytes256 when this run's x was quantized for the 256-weight types
    private float* _x;
    private int _batch;

    /// <summary>y[b, r] = Σ_c W[r, c]·x[b, c]; x is [batch, W.Cols], y is [batch, W.Rows].</summary>
    public void Run(float* x, int batch, WeightMatrix w, float* y) => Run(x, batch, w, y, null, null, null, null);

    /// <summary>The same for two or three matrices with equal column counts, in one parallel run.</summary>
    public void Run(float* x, int batch, WeightMatrix w0, float* y0, WeightMatrix? w1, float* y1, WeightMatrix? w2 = null, float* y2 = null)
    {
        _x = x;
        _batch = batch;
        _matrixCount = 0;
        var totalRows = 0;
        foreach (var (w, y) in (ReadOnlySpan<(WeightMatrix?, nint)>)[(w0, (nint)y0), (w1, (nint)y1), (w2, (nint)y2)])
        {
            if (w is null)
                continue;
            if (w.Cols != w0.Cols)
                throw new ArgumentException("Matrices run together must read inputs of the same length.");
            _matrices[_matrixCount] = w;
            _outputs[_matrixCount++] = y;
            totalRows += w.Rows;
        }
        _quantizedX = null;
        _quantizedX256 = null;
        for (var m = 0; m < _matrixCount; m++)
        {
            var type = _matrices[m]!.Type;
            if (_quantizedX is null && Block32ByteBatch.Applies(type, batch, Simd.Best))
            {
                _bytes.Quantize(new ReadOnlySpan<float>(x, batch * w0.Cols), batch, w0.Cols, Simd.Best);
                _quantizedX = _bytes;
            }
            if (_quantizedX256 is null && WeightMatrix.UsesByteBlock256(type) && !Block32ByteBatch.Applies(type, batch, Simd.Best))
            {
                _bytes256.Quantize(new ReadOnlySpan<float>(x, batch * w0.Cols), batch, w0.Cols, Simd.Best);
                _quantizedX256 = _bytes256;
            }
        }
        // Other quantized kernels quantize x once per chunk: with many batch rows, fewer and larger chunks.
        var chunksPerThread = batch == 1 || _quantizedX != null || _quantizedX256 != null ? 8 : 3;
        pool.Run(this, totalRows, Math.Max(16, totalRows / (pool.ThreadCount * chunksPerThread)));
    }

    public void Execute(int start, int end, int worker)
    {
        var offset = 0;
        for (var m = 0; m < _matrixCount; m++)
        {
            var w = _matrices[m]!;
            var rowStart = Math.Max(start, offset) - offset;
            var rowEnd = Math.Min(end, offset + w.Rows) - offset;
            if (rowStart < rowEnd)
            {
                var x = new ReadOnlySpan<float>(_x, _batch * w.Cols);
                var y = new Span<float>((float*)_outputs[m], _batch * w.Rows);
                w.MatMul(x, _batch, y, rowStart, rowEnd, Simd.Best, _quantizedX, quantizedX256: _quantizedX256);
            }
            offset += w.Rows;
        }
    }
}
