using System.Runtime.CompilerServices;
using ChatWeb.Engine.Gguf;

namespace ChatWeb.Engine.Local;

/// <summary>
/// Reads a memory-mapped model's weights into memory ahead of use: touching one byte of every page, in
/// file order, makes the operating system read the file into its page cache (with read-ahead) and map
/// the pages into this process, so the first answer runs at full speed instead of waiting on page
/// faults. The progress it reports is the real one: bytes touched of all the tensors' bytes.
/// </summary>
internal static unsafe class WeightPrefetch
{
    /// <summary>How much is read between two progress reports (and cancellation checks).</summary>
    private const long ReportEvery = 8L << 20;

    /// <summary>The bytes of all tensors in the file.</summary>
    public static long TotalBytes(GgufFile file) => file.Tensors.Sum(t => t.ByteSize);

    /// <summary>Touches every page of every tensor, reporting (bytes read, total) at the start, every <paramref name="reportEvery"/> bytes and at the end.</summary>
    public static void Read(GgufFile file, Action<long, long> progress, CancellationToken cancellationToken, long reportEvery = ReportEvery)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reportEvery);
        var total = TotalBytes(file);
        var page = Environment.SystemPageSize;
        long read = 0, reported = 0;
        progress(0, total);
        foreach (var tensor in file.Tensors.OrderBy(t => t.DataOffset))
        {
            var data = file.TensorData(tensor);
            for (long offset = 0; offset < tensor.ByteSize; offset += reportEvery)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var length = Math.Min(reportEvery, tensor.ByteSize - offset);
                Touch(data + offset, length, page);
                read += length;
                if (read - reported >= reportEvery)
                {
                    progress(read, total);
                    reported = read;
                }
            }
        }
        if (reported != read)
            progress(read, total);
    }

    /// <summary>Reads the first byte of each page and the last byte; the sum is returned so the reads are not optimised away.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Touch(byte* start, long length, int page)
    {
        var sum = 0;
        for (long i = 0; i < length; i += page)
            sum += start[i];
        return sum + start[length - 1];
    }
}
