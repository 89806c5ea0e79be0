namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// GPT-2's byte-level alphabet: each of the 256 byte values is shown as one printable character
/// (printable Latin-1 bytes as themselves, the rest as U+0100 onwards), so that byte-level BPE
/// vocabularies can be stored as text. A space is 'Ġ' (U+0120), a newline 'Ċ' (U+010A).
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = (char)(printable ? b : next++);
        }
        return map;
    }

    public static char Encode(byte b) => ByteToChar[b];

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>Appends the bytes a byte-level token stands for; false when a character is outside the alphabet.</summary>
    public static bool TryDecode(string token, List<byte> output)
    {
        var start = output.Count;
        foreach (var c in token)
        {
            if (!CharToByte.TryGetValue(c, out var b))
            {
                output.RemoveRange(start, output.Count - start);
                return false;
            }
            output.Add(b);
        }
        return true;
    }
}
