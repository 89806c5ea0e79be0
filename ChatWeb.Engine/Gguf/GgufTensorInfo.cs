using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Gguf;

/// <summary>One tensor's entry in a GGUF file.</summary>
/// <param name="Name">e.g. <c>blk.0.attn_q.weight</c>.</param>
/// <param name="Dimensions">ggml order: <c>Dimensions[0]</c> is the fastest-varying (the row length).</param>
/// <param name="Type">how the elements are stored.</param>
/// <param name="DataOffset">absolute byte offset of the first element in the file.</param>
/// <param name="ByteSize">bytes the data takes.</param>
internal sealed record GgufTensorInfo(string Name, long[] Dimensions, GgmlType Type, long DataOffset, long ByteSize)
{
    /// <summary>Total number of elements.</summary>
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);

    /// <summary>Row length: the first (fastest-varying) dimension.</summary>
    public long Cols => Dimensions[0];

    /// <summary>Number of rows: the product of every dimension after the first.</summary>
    public long Rows => ElementCount / Dimensions[0];

    public string ShapeText => "[" + string.Join(", ", Dimensions) + "]";
}
