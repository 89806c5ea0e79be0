using System.Runtime.InteropServices;
using System.Text;

namespace ChatWeb.Engine.Tokenization;

/// <summary>
/// Turns generated token ids into text as they arrive, yielding text only at complete UTF-8
/// characters: a character whose bytes are spread over several tokens (an emoji from byte tokens,
/// say) appears once its last byte has come. Control tokens give no text.
/// </summary>
internal sealed class StreamingTextDecoder(Tokenizer tokenizer)
{
    private readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    private readonly List<byte> _bytes = [];
    private char[] _chars = new char[64];

    /// <summary>The text completed by this token; "" while a character is still incomplete.</summary>
    public string Append(int token)
    {
        _bytes.Clear();
        tokenizer.AppendTokenBytes(token, _bytes);
        return Decode(flush: false);
    }

    /// <summary>Whatever is left at the end (an incomplete character becomes U+FFFD).</summary>
    public string Flush()
    {
        _bytes.Clear();
        return Decode(flush: true);
    }

    private string Decode(bool flush)
    {
        var bytes = CollectionsMarshal.AsSpan(_bytes);
        var needed = _utf8.GetCharCount(bytes, flush);
        if (_chars.Length < needed) _chars = new char[Math.Max(needed, _chars.Length * 2)];
        var count = _utf8.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, count);
    }
}
