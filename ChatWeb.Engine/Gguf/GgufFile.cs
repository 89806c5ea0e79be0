using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using ChatWeb.Engine.Tensors;

namespace ChatWeb.Engine.Gguf;

/// <summary>
/// An open GGUF file: its metadata, its tensor infos, and its tensor data memory-mapped (read-only,
/// never copied into the managed heap). Pointers from <see cref="TensorData"/> live until Dispose.
/// </summary>
internal sealed unsafe class GgufFile : IDisposable
{
    private readonly GgufReader.Contents _contents;
    private readonly Dictionary<string, GgufTensorInfo> _tensorsByName;
    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private GCHandle _pinned;
    private byte* _base;

    private GgufFile(GgufReader.Contents contents, byte* data, long length, MemoryMappedFile? map, MemoryMappedViewAccessor? view, GCHandle pinned)
    {
        _contents = contents;
        _base = data;
        FileSize = length;
        _map = map;
        _view = view;
        _pinned = pinned;
        _tensorsByName = contents.Tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>Opens and parses a file, mapping it into memory. Malformed files raise <see cref="GgufFormatException"/>.</summary>
    public static GgufFile Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        if (stream.Length == 0)
        {
            stream.Dispose();
            throw new GgufFormatException($"The file '{path}' is empty", 0);
        }
        MemoryMappedFile? map = null;
        MemoryMappedViewAccessor? view = null;
        byte* pointer = null;
        try
        {
            map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            var length = stream.Length;
            var contents = new GgufReader(pointer, length).Read();
            return new GgufFile(contents, pointer, length, map, view, default);
        }
        catch
        {
            if (pointer != null)
                view!.SafeMemoryMappedViewHandle.ReleasePointer();
            view?.Dispose();
            map?.Dispose();
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Parses a file held in a byte array (tests, fuzzing); the array is pinned until Dispose.</summary>
    public static GgufFile FromBytes(byte[] bytes)
    {
        var handle = GCHandle.Alloc(bytes, GCHandleType.Pinned);
        try
        {
            var pointer = (byte*)handle.AddrOfPinnedObject();
            var contents = new GgufReader(pointer, bytes.Length).Read();
            return new GgufFile(contents, pointer, bytes.Length, null, null, handle);
        }
        catch
        {
            handle.Free();
            throw;
        }
    }

    public uint Version => _contents.Version;
    public long FileSize { get; }
    public uint Alignment => _contents.Alignment;

    /// <summary>Byte offset where the tensor data section starts.</summary>
    public long DataStart => _contents.DataStart;

    /// <summary>
    /// Metadata by key. Values are CLR values of the GGUF type: byte, sbyte, ushort, short, uint, int,
    /// float, bool, string, ulong, long, double; arrays are typed arrays of those (<c>string[]</c>,
    /// <c>float[]</c>, <c>int[]</c>, ...) and an array of arrays is <c>Array[]</c>.
    /// </summary>
    public IReadOnlyDictionary<string, object> Metadata => _contents.Metadata;

    public IReadOnlyList<GgufTensorInfo> Tensors => _contents.Tensors;

    public GgufTensorInfo? FindTensor(string name) => _tensorsByName.GetValueOrDefault(name);

    /// <summary>The byte offset of a metadata entry (for error messages), or 0 when absent.</summary>
    public long MetadataOffset(string key) => _contents.MetadataOffsets.GetValueOrDefault(key);

    public string? GetString(string key) => Get<string>(key, "a string");

    public bool? GetBool(string key) => Metadata.TryGetValue(key, out _) ? Get<bool>(key, "a bool") : null;

    public T[]? GetArray<T>(string key) => Get<T[]>(key, $"an array of {typeof(T).Name}");

    /// <summary>An integer of any GGUF integer type, or null when the key is absent.</summary>
    public long? GetInteger(string key)
    {
        if (!Metadata.TryGetValue(key, out var value))
            return null;
        return value switch
        {
            byte v => v,
            sbyte v => v,
            ushort v => v,
            short v => v,
            uint v => v,
            int v => v,
            long v => v,
            ulong v when v <= long.MaxValue => (long)v,
            _ => throw new GgufFormatException($"Metadata '{key}' should be an integer, not {Describe(value)}", MetadataOffset(key)),
        };
    }

    /// <summary>A number of any GGUF numeric type as a float, or null when the key is absent.</summary>
    public float? GetFloat(string key)
    {
        if (!Metadata.TryGetValue(key, out var value))
            return null;
        return value switch
        {
            float v => v,
            double v => (float)v,
            _ when value is not bool && value.GetType().IsPrimitive => GetInteger(key),
            _ => throw new GgufFormatException($"Metadata '{key}' should be a number, not {Describe(value)}", MetadataOffset(key)),
        };
    }

    private T? Get<T>(string key, string expected)
    {
        if (!Metadata.TryGetValue(key, out var value))
            return default;
        if (value is T typed)
            return typed;
        throw new GgufFormatException($"Metadata '{key}' should be {expected}, not {Describe(value)}", MetadataOffset(key));
    }

    private static string Describe(object value) => value is Array a ? $"an array of {a.Length} {a.GetType().GetElementType()!.Name}" : value.GetType().Name;

    /// <summary>A pointer to a tensor's first byte, valid until this file is disposed.</summary>
    public byte* TensorData(GgufTensorInfo tensor)
    {
        ObjectDisposedException.ThrowIf(_base == null, this);
        return _base + tensor.DataOffset;
    }

    /// <summary>A 2-D view of a tensor as a weight matrix [Rows, Cols] over the mapped bytes (no copy).</summary>
    public WeightMatrix Matrix(GgufTensorInfo tensor) =>
        new(tensor.Type, checked((int)tensor.Rows), checked((int)tensor.Cols), TensorData(tensor));

    public void Dispose()
    {
        if (_base == null)
            return;
        _base = null;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
            _map!.Dispose();
        }
        if (_pinned.IsAllocated)
            _pinned.Free();
    }
}
