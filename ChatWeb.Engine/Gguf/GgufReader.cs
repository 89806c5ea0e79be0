using System.Text;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Gguf;

/// <summary>
/// Parses a GGUF file (versions 2 and 3) held in memory: header, metadata, tensor infos and the
/// placement of the tensor data. Every read is bounds-checked; every count and length is capped by
/// the bytes that remain, so a malformed file raises <see cref="GgufFormatException"/> and never
/// allocates more than the file's own size.
/// </summary>
/// <remarks>
/// Layout (little-endian): magic "GGUF", u32 version, u64 tensor count, u64 metadata count,
/// metadata (string key, u32 type, value)*, tensor infos (string name, u32 n_dims, u64 dims[n_dims],
/// u32 type, u64 offset)*, padding to the alignment, tensor data. A string is u64 length + UTF-8 bytes;
/// an array is u32 element type + u64 count + elements.
/// </remarks>
internal sealed unsafe class GgufReader
{
    public const uint Magic = 0x46554747; // "GGUF" read as a little-endian u32
    public const uint DefaultAlignment = 32;
    private const int MaxDimensions = 4;
    private const int MaxArrayNesting = 8;

    private readonly byte* _data;
    private readonly long _length;
    private long _position;

    public GgufReader(byte* data, long length)
    {
        _data = data;
        _length = length;
    }

    /// <summary>The parsed contents; tensor offsets are absolute positions in the same buffer.</summary>
    internal sealed record Contents(
        uint Version,
        Dictionary<string, object> Metadata,
        Dictionary<string, long> MetadataOffsets,
        List<GgufTensorInfo> Tensors,
        uint Alignment,
        long DataStart);

    public Contents Read()
    {
        if (ReadU32() != Magic)
            throw new GgufFormatException("Not a GGUF file: the first four bytes are not \"GGUF\"", 0);
        var version = ReadU32();
        if (version is not (2 or 3))
            throw new GgufFormatException(
                version == 1 ? "GGUF version 1 is not supported (only 2 and 3)"
                : $"Unsupported GGUF version {version} (only 2 and 3; big-endian files are not supported)", 4);

        var tensorCountOffset = _position;
        var tensorCount = ReadU64();
        var metadataCount = ReadU64();
        // Each metadata entry takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info 8 + 4 + 8 + 4 + 8.
        if (metadataCount > (ulong)Remaining / 13)
            throw new GgufFormatException($"Metadata count {metadataCount} is larger than the file can hold", tensorCountOffset + 8);
        if (tensorCount > (ulong)Remaining / 32)
            throw new GgufFormatException($"Tensor count {tensorCount} is larger than the file can hold", tensorCountOffset);

        var metadata = new Dictionary<string, object>((int)metadataCount, StringComparer.Ordinal);
        var offsets = new Dictionary<string, long>((int)metadataCount, StringComparer.Ordinal);
        for (ulong i = 0; i < metadataCount; i++)
        {
            var entryOffset = _position;
            var key = ReadString();
            var type = ReadValueType();
            var value = ReadValue(type, 0);
            if (!metadata.TryAdd(key, value))
                throw new GgufFormatException($"Metadata key '{key}' appears twice", entryOffset);
            offsets[key] = entryOffset;
        }

        var alignment = DefaultAlignment;
        if (metadata.TryGetValue("general.alignment", out var alignmentValue))
        {
            if (alignmentValue is not uint a || a == 0 || (a & (a - 1)) != 0)
                throw new GgufFormatException($"general.alignment must be a power-of-two u32, not {alignmentValue}", offsets["general.alignment"]);
            alignment = a;
        }

        var infos = new List<(string Name, long[] Dims, GgmlType Type, ulong Offset, long ByteSize, long At)>((int)tensorCount);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (ulong i = 0; i < tensorCount; i++)
        {
            var at = _position;
            var name = ReadString();
            if (!names.Add(name))
                throw new GgufFormatException($"Tensor '{name}' appears twice", at);
            var dimCount = ReadU32();
            if (dimCount is 0 or > MaxDimensions)
                throw new GgufFormatException($"Tensor '{name}' has {dimCount} dimensions (1 to {MaxDimensions} allowed)", _position - 4);
            var dims = new long[dimCount];
            for (var d = 0; d < dimCount; d++)
            {
                var dim = ReadU64();
                if (dim == 0 || dim > (ulong)_length * 8)
                    throw new GgufFormatException($"Tensor '{name}' has dimension {d} of size {dim}", _position - 8);
                dims[d] = (long)dim;
            }
            var typeNumber = ReadU32();
            var type = (GgmlType)typeNumber;
            if (!GgmlTypeSizes.TryGet(type, out var blockSize, out var bytesPerBlock))
                throw new GgufFormatException($"Tensor '{name}' has unknown type {typeNumber}", _position - 4);
            if (dims[0] % blockSize != 0)
                throw new GgufFormatException($"Tensor '{name}' of type {type} has a row of {dims[0]} elements, not a multiple of {blockSize}", at);
            var offset = ReadU64();
            var byteSize = TensorByteSize(dims, blockSize, bytesPerBlock);
            if (byteSize < 0)
                throw new GgufFormatException($"Tensor '{name}' is larger than the file", at);
            infos.Add((name, dims, type, offset, byteSize, at));
        }

        var dataStart = AlignUp(_position, alignment);
        if (tensorCount > 0 && dataStart > _length)
            throw new GgufFormatException("The file ends before its tensor data", _length);
        var dataLength = _length - Math.Min(dataStart, _length);

        var tensors = new List<GgufTensorInfo>(infos.Count);
        foreach (var (name, dims, type, offset, byteSize, at) in infos)
        {
            if (offset % alignment != 0)
                throw new GgufFormatException($"Tensor '{name}' data offset {offset} is not a multiple of the alignment {alignment}", at);
            if (offset > (ulong)dataLength || (ulong)byteSize > (ulong)dataLength - offset)
                throw new GgufFormatException(
                    $"Tensor '{name}' data ({byteSize} bytes at data offset {offset}) runs past the end of the file", at);
            tensors.Add(new GgufTensorInfo(name, dims, type, dataStart + (long)offset, byteSize));
        }

        return new Contents(version, metadata, offsets, tensors, alignment, dataStart);
    }

    /// <summary>Bytes of a tensor, or -1 when the size overflows what any file could hold.</summary>
    private long TensorByteSize(long[] dims, int blockSize, int bytesPerBlock)
    {
        var size = (ulong)(dims[0] / blockSize) * (ulong)bytesPerBlock; // dims[0] <= 8 * length: cannot overflow
        for (var d = 1; d < dims.Length; d++)
        {
            if (size > (ulong)_length / (ulong)dims[d])
                return -1;
            size *= (ulong)dims[d];
        }
        return size > (ulong)_length ? -1 : (long)size;
    }

    public static long AlignUp(long position, uint alignment) => (position + alignment - 1) / alignment * alignment;

    private long Remaining => _length - _position;

    private void Need(long bytes, string what)
    {
        if (bytes > Remaining)
            throw new GgufFormatException($"The file ends in the middle of {what}", _position);
    }

    private GgufValueType ReadValueType()
    {
        var type = ReadU32();
        if (type > (uint)GgufValueType.Float64)
            throw new GgufFormatException($"Unknown metadata value type {type}", _position - 4);
        return (GgufValueType)type;
    }

    private object ReadValue(GgufValueType type, int depth) => type switch
    {
        GgufValueType.UInt8 => ReadFixed<byte>(),
        GgufValueType.Int8 => ReadFixed<sbyte>(),
        GgufValueType.UInt16 => ReadFixed<ushort>(),
        GgufValueType.Int16 => ReadFixed<short>(),
        GgufValueType.UInt32 => ReadFixed<uint>(),
        GgufValueType.Int32 => ReadFixed<int>(),
        GgufValueType.Float32 => ReadFixed<float>(),
        GgufValueType.Bool => ReadBool(),
        GgufValueType.String => ReadString(),
        GgufValueType.Array => ReadArray(depth),
        GgufValueType.UInt64 => ReadFixed<ulong>(),
        GgufValueType.Int64 => ReadFixed<long>(),
        GgufValueType.Float64 => ReadFixed<double>(),
        _ => throw new GgufFormatException($"Unknown metadata value type {(uint)type}", _position),
    };

    private Array ReadArray(int depth)
    {
        var start = _position;
        if (depth >= MaxArrayNesting)
            throw new GgufFormatException($"Arrays nested deeper than {MaxArrayNesting} levels", start);
        var elementType = ReadValueType();
        var countOffset = _position;
        var count = ReadU64();
        var minElementSize = elementType switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            GgufValueType.String or GgufValueType.UInt64 or GgufValueType.Int64 or GgufValueType.Float64 => 8,
            _ => 12, // a nested array: element type + count
        };
        if (count > (ulong)Remaining / (ulong)minElementSize || count > int.MaxValue)
            throw new GgufFormatException($"Array of {count} {elementType} elements is larger than the file can hold", countOffset);
        var n = (int)count;
        return elementType switch
        {
            GgufValueType.UInt8 => ReadFixedArray<byte>(n),
            GgufValueType.Int8 => ReadFixedArray<sbyte>(n),
            GgufValueType.UInt16 => ReadFixedArray<ushort>(n),
            GgufValueType.Int16 => ReadFixedArray<short>(n),
            GgufValueType.UInt32 => ReadFixedArray<uint>(n),
            GgufValueType.Int32 => ReadFixedArray<int>(n),
            GgufValueType.Float32 => ReadFixedArray<float>(n),
            GgufValueType.UInt64 => ReadFixedArray<ulong>(n),
            GgufValueType.Int64 => ReadFixedArray<long>(n),
            GgufValueType.Float64 => ReadFixedArray<double>(n),
            GgufValueType.Bool => ReadElements(n, _ => ReadBool()),
            GgufValueType.String => ReadElements(n, _ => ReadString()),
            _ => ReadElements(n, _ => ReadArray(depth + 1)),
        };
    }

    private T[] ReadElements<T>(int count, Func<int, T> read)
    {
        var items = new T[count];
        for (var i = 0; i < count; i++)
            items[i] = read(i);
        return items;
    }

    private T[] ReadFixedArray<T>(int count) where T : unmanaged
    {
        Need((long)count * sizeof(T), $"an array of {count} {typeof(T).Name}");
        var items = new ReadOnlySpan<T>(_data + _position, count).ToArray();
        _position += (long)count * sizeof(T);
        return items;
    }

    private T ReadFixed<T>() where T : unmanaged
    {
        Need(sizeof(T), typeof(T).Name);
        var value = *(T*)(_data + _position); // unaligned reads are fine on x64 and arm64
        _position += sizeof(T);
        return value;
    }

    private bool ReadBool()
    {
        var b = ReadFixed<byte>();
        if (b > 1)
            throw new GgufFormatException($"Boolean value {b} is neither 0 nor 1", _position - 1);
        return b == 1;
    }

    private uint ReadU32() => ReadFixed<uint>();

    private ulong ReadU64() => ReadFixed<ulong>();

    private string ReadString()
    {
        var lengthOffset = _position;
        var length = ReadU64();
        if (length > (ulong)Remaining || length > int.MaxValue)
            throw new GgufFormatException($"String length {length} runs past the end of the file", lengthOffset);
        var text = Encoding.UTF8.GetString(_data + _position, (int)length);
        _position += (long)length;
        return text;
    }
}
