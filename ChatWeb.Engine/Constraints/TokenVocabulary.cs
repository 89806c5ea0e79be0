using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Engine.Constraints;

/// <summary>The bytes each token of a tokenizer writes, computed once per model for constrained decoding; control tokens write none.</summary>
internal sealed class TokenVocabulary
{
    private TokenVocabulary(byte[][] bytes)
    {
        Bytes = bytes;
        PlainChars = bytes.Select(PlainCharsOf).ToArray();
    }

    /// <summary>[token] the token's UTF-8 bytes (empty for control tokens and others that write nothing).</summary>
    public byte[][] Bytes { get; }

    /// <summary>
    /// [token] how many characters the token adds inside a JSON string when it is plain string content (whole UTF-8
    /// characters, no quote, backslash or control character); -1 when it is not. Lets the constraint decide most
    /// tokens inside a string with one comparison.
    /// </summary>
    public int[] PlainChars { get; }

    private static int PlainCharsOf(byte[] bytes)
    {
        var chars = 0;
        for (var i = 0; i < bytes.Length;)
        {
            var b = bytes[i];
            var length = b switch
            {
                (byte)'"' or (byte)'\\' or < 0x20 => -1,
                < 0x80 => 1,
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => -1,
            };
            if (length < 0 || i + length > bytes.Length)
                return -1;
            for (var k = 1; k < length; k++)
            {
                if (bytes[i + k] is < 0x80 or > 0xBF)
                    return -1;
            }
            i += length;
            chars++;
        }
        return bytes.Length == 0 ? -1 : chars;
    }

    public int Count => Bytes.Length;

    public static TokenVocabulary Of(Tokenizer tokenizer)
    {
        var bytes = new byte[tokenizer.VocabularySize][];
        var buffer = new List<byte>();
        for (var id = 0; id < bytes.Length; id++)
        {
            buffer.Clear();
            if (tokenizer.Types[id] is not (TokenType.Unknown or TokenType.Unused))
                tokenizer.AppendTokenBytes(id, buffer);
            bytes[id] = buffer.ToArray();
        }
        return new TokenVocabulary(bytes);
    }

    /// <summary>A vocabulary of the given token texts (tests).</summary>
    public static TokenVocabulary Of(IEnumerable<byte[]> tokens) => new(tokens.ToArray());
}
