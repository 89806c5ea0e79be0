using ChatWeb.Engine.Tokenization;

namespace ChatWeb.Engine.Constraints;

/// <summary>The bytes each token of a tokenizer writes, computed once per model for constrained decoding; control tokens write none.</summary>
internal sealed class TokenVocabulary
{
    private TokenVocabulary(byte[][] bytes) => Bytes = bytes;

    /// <summary>[token] the token's UTF-8 bytes (empty for control tokens and others that write nothing).</summary>
    public byte[][] Bytes { get; }

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
