using System.Text;

namespace ChatWeb.Tests.Engine.Model;

internal static class GgufTestBytes
{
    /// <summary>Overwrites the u32 value of metadata <paramref name="key"/> in place.</summary>
    public static byte[] ReplaceMetadataUInt32(byte[] gguf, string key, uint value)
    {
        var bytes = (byte[])gguf.Clone();
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var at = bytes.AsSpan().IndexOf(keyBytes) + keyBytes.Length + 4; // skip the key and the type
        BitConverter.GetBytes(value).CopyTo(bytes, at);
        return bytes;
    }
}
