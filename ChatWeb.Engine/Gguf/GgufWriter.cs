using System.Text;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Gguf;

/// <summary>
/// Writes GGUF files (version 3 by default): metadata of the CLR types <see cref="GgufFile.Metadata"/>
/// returns, and tensors whose bytes are either given or produced one tensor at a time while writing
/// (so a multi-gigabyte file never needs to be in memory at once).
/// </summary>
internal sealed class GgufWriter
{
    private readonly List<KeyValuePair<string, object>> _metadata = [];
    private readonly List<PendingTensor> _tensors = [];

    private sealed record PendingTensor(string Name, GgmlType Type, long[] Dimensions, long ByteSize, Func<byte[]> Produce);

    public uint Version { get; init; } = 3;

    /// <summary>Tensor data alignment; written as <c>general.alignment</c> when not the default 32.</summary>
    public uint Alignment { get; init; } = GgufReader.DefaultAlignment;

    public void Add(string key, object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _ = TypeOf(value); // reject unsupported types now, not while writing
        _metadata.Add(new(key, value));
    }

    public void AddTensor(string name, GgmlType type, long[] dimensions, byte[] data) =>
        AddTensor(name, type, dimensions, () => data);

    /// <summary>Adds a tensor whose bytes <paramref name="produce"/> returns when the writer reaches it.</summary>
    public void AddTensor(string name, GgmlType type, long[] dimensions, Func<byte[]> produce)
    {
        var rows = dimensions.Skip(1).Aggregate(1L, (a, b) => a * b);
        _tensors.Add(new(name, type, dimensions, GgmlTypeSizes.RowBytes(type, dimensions[0]) * rows, produce));
    }

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <param name="path">the file to create.</param>
    /// <param name="progress">called before each tensor's data with (tensors done, tensor count, next name).</param>
    public void WriteTo(string path, Action<int, int, string>? progress = null)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        WriteTo(stream, progress);
    }

    public void WriteTo(Stream stream, Action<int, int, string>? progress = null)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        var metadata = Alignment == GgufReader.DefaultAlignment
            ? _metadata
            : [new("general.alignment", Alignment), .. _metadata.Where(kv => kv.Key != "general.alignment")];

        w.Write(GgufReader.Magic);
        w.Write(Version);
        w.Write((ulong)_tensors.Count);
        w.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(w, key);
            w.Write((uint)TypeOf(value));
            WriteValue(w, value);
        }

        long offset = 0;
        foreach (var t in _tensors)
        {
            WriteString(w, t.Name);
            w.Write((uint)t.Dimensions.Length);
            foreach (var d in t.Dimensions)
                w.Write((ulong)d);
            w.Write((uint)t.Type);
            w.Write((ulong)offset);
            offset = GgufReader.AlignUp(offset + t.ByteSize, Alignment);
        }

        Pad(w, Alignment);
        for (var i = 0; i < _tensors.Count; i++)
        {
            var t = _tensors[i];
            progress?.Invoke(i, _tensors.Count, t.Name);
            var bytes = t.Produce();
            if (bytes.Length != t.ByteSize)
                throw new InvalidOperationException($"Tensor '{t.Name}' {t.Type} {string.Join('x', t.Dimensions)} needs {t.ByteSize} bytes, got {bytes.Length}.");
            w.Write(bytes);
            Pad(w, Alignment);
        }
    }

    private static void Pad(BinaryWriter w, uint alignment)
    {
        w.Flush();
        var position = w.BaseStream.Position;
        var padding = GgufReader.AlignUp(position, alignment) - position;
        for (var i = 0; i < padding; i++)
            w.Write((byte)0);
    }

    private static void WriteString(BinaryWriter w, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        w.Write((ulong)bytes.Length);
        w.Write(bytes);
    }

    private static GgufValueType TypeOf(object value) => value switch
    {
        byte => GgufValueType.UInt8,
        sbyte => GgufValueType.Int8,
        ushort => GgufValueType.UInt16,
        short => GgufValueType.Int16,
        uint => GgufValueType.UInt32,
        int => GgufValueType.Int32,
        float => GgufValueType.Float32,
        bool => GgufValueType.Bool,
        string => GgufValueType.String,
        Array => GgufValueType.Array,
        ulong => GgufValueType.UInt64,
        long => GgufValueType.Int64,
        double => GgufValueType.Float64,
        _ => throw new ArgumentException($"GGUF has no metadata type for {value.GetType().Name}.", nameof(value)),
    };

    private static GgufValueType ElementTypeOf(Array array)
    {
        var elementType = array.GetType().GetElementType()!;
        if (elementType == typeof(string))
            return GgufValueType.String;
        if (elementType == typeof(Array) || elementType.IsArray)
            return GgufValueType.Array;
        return TypeOf(Activator.CreateInstance(elementType)!); // a value type: its default value tells the type
    }

    private static void WriteValue(BinaryWriter w, object value)
    {
        switch (value)
        {
            case byte v: w.Write(v); break;
            case sbyte v: w.Write(v); break;
            case ushort v: w.Write(v); break;
            case short v: w.Write(v); break;
            case uint v: w.Write(v); break;
            case int v: w.Write(v); break;
            case float v: w.Write(v); break;
            case bool v: w.Write(v); break;
            case string v: WriteString(w, v); break;
            case ulong v: w.Write(v); break;
            case long v: w.Write(v); break;
            case double v: w.Write(v); break;
            case Array v:
                w.Write((uint)ElementTypeOf(v));
                w.Write((ulong)v.Length);
                foreach (var item in v)
                    WriteValue(w, item!);
                break;
        }
    }
}
