using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace ChatWeb.Engine.Tensors;

/// <summary>
/// The activations x [batch, cols] quantized per block of <see cref="BlockSize"/> values to signed
/// 8-bit integers q = round(x / d), d = max|x| / 127, and laid out in tiles of <see cref="Tile"/>
/// batch rows for <see cref="Block32ByteBatch"/>: within a tile and block, the four bytes 4g..4g+3 of
/// the eight rows sit side by side (32 bytes), so one 256-bit load holds what one vpdpbusd needs from
/// eight rows.
/// </summary>
/// <remarks>
/// Layout of tile t: values [cols / 32, 8 groups g, 8 rows, 4 bytes]; scales [cols / 32, 8 rows];
/// sums [cols / 32, 8 rows] = −Σq over the block (for the weights' offset correction) and the same
/// over each block's first 16 values (for <see cref="Q6_K"/>, whose scales and offset cover 16
/// weights). A last tile with fewer than eight rows is padded with zeros. Each row is quantized by
/// <see cref="ByteActivations"/> (the batch-1 kernels' activations: the same bytes on every path),
/// then laid out in tiles. Grown on demand (no allocation in steady state) and read-only once quantized: one per
/// thread (<see cref="ForCurrentThread"/>) or one shared by the threads of a product
/// (<see cref="Execution.MatMulWork"/> quantizes x once per run).
/// </remarks>
internal sealed unsafe class TiledByteActivations
{
    public const int BlockSize = 32;
    public const int Tile = 8;
    private const int TileBlockBytes = Tile * BlockSize;

    [ThreadStatic] private static TiledByteActivations? t_current;

    private readonly ByteActivations _rows = new();
    private sbyte[] _values = [];
    private float[] _scales = [];
    private int[] _sums = [];
    private int[] _firstHalfSums = [];

    public static TiledByteActivations ForCurrentThread() => t_current ??= new TiledByteActivations();

    public int Batch { get; private set; }
    public int Cols { get; private set; }
    public int Tiles => (Batch + Tile - 1) / Tile;
    private int Blocks => Cols / BlockSize;

    /// <summary>The values of tile <paramref name="t"/>, [cols / 32, 8, 8, 4]. The arrays are pinned.</summary>
    public sbyte* Values(int t) => (sbyte*)Unsafe.AsPointer(ref _values[0]) + (long)t * Tile * Cols;

    /// <summary>d of each block of tile <paramref name="t"/>, [cols / 32, 8].</summary>
    public float* Scales(int t) => (float*)Unsafe.AsPointer(ref _scales[0]) + (long)t * Tile * Blocks;

    /// <summary>−Σq of each block of tile <paramref name="t"/>, [cols / 32, 8].</summary>
    public int* NegatedSums(int t) => (int*)Unsafe.AsPointer(ref _sums[0]) + (long)t * Tile * Blocks;

    /// <summary>−Σq of the first 16 values of each block of tile <paramref name="t"/>, [cols / 32, 8].</summary>
    public int* NegatedFirstHalfSums(int t) => (int*)Unsafe.AsPointer(ref _firstHalfSums[0]) + (long)t * Tile * Blocks;

    /// <summary>q of value i of batch row b (for tests and the scalar reference).</summary>
    public int Quantized(int b, int i) =>
        Values(b / Tile)[(i / BlockSize) * TileBlockBytes + (i % BlockSize / 4) * Tile * 4 + (b % Tile) * 4 + i % 4];

    /// <summary>d of block i of batch row b.</summary>
    public float Scale(int b, int i) => Scales(b / Tile)[i * Tile + b % Tile];

    /// <summary>Value i of batch row b as the float it stands for (for tests).</summary>
    public float Dequantized(int b, int i) => Quantized(b, i) * Scale(b, i / BlockSize);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Quantize(ReadOnlySpan<float> x, int batch, int cols, SimdLevel level)
    {
        Debug.Assert(cols > 0 && cols % BlockSize == 0 && x.Length >= batch * cols);
        Batch = batch;
        Cols = cols;
        var count = Blocks;
        var padded = Tiles * Tile;
        Grow(ref _values, padded * cols);
        Grow(ref _scales, padded * count);
        Grow(ref _sums, padded * count);
        Grow(ref _firstHalfSums, padded * count);
        for (var b = 0; b < padded; b++)
        {
            var t = b / Tile;
            var k = b % Tile;
            var values = (int*)(Values(t) + 4 * k);
            var scales = Scales(t) + k;
            var sums = NegatedSums(t) + k;
            var halves = NegatedFirstHalfSums(t) + k;
            if (b >= batch)
            {
                for (var i = 0; i < count; i++, values += TileBlockBytes / 4)
                {
                    for (var g = 0; g < BlockSize / 4; g++)
                        values[g * Tile] = 0;
                    scales[i * Tile] = 0;
                    sums[i * Tile] = 0;
                    halves[i * Tile] = 0;
                }
                continue;
            }
            // one row at a time (a copy of a row, not of the whole batch, in between)
            _rows.Quantize(x.Slice(b * cols, cols), 1, cols, level);
            var row = (int*)_rows.Values(0);
            var rowScales = _rows.Scales(0);
            var rowSums = _rows.Sums(0);
            for (var i = 0; i < count; i++, values += TileBlockBytes / 4, row += BlockSize / 4)
            {
                for (var g = 0; g < BlockSize / 4; g++)
                    values[g * Tile] = row[g];
                scales[i * Tile] = rowScales[i];
                sums[i * Tile] = -rowSums[i];
                var first = Vector128.Load((sbyte*)row);
                halves[i * Tile] = -(Vector128.Sum(Vector128.WidenLower(first)) + Vector128.Sum(Vector128.WidenUpper(first)));
            }
        }
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
            array = GC.AllocateArray<T>(Math.Max(length, 1), pinned: true);
    }
}
