namespace ChatWeb.Engine.Gguf;

/// <summary>
/// The one exception a malformed or unsupported GGUF file raises: the message names the problem and
/// the byte offset in the file where it was found.
/// </summary>
public sealed class GgufFormatException : Exception
{
    /// <summary>A malformed or unsupported file; <paramref name="offset"/> is where in the file it was found (-1 when nowhere in particular).</summary>
    public GgufFormatException(string problem, long offset)
        : base($"{problem} (at byte {offset})")
    {
        Offset = offset;
    }

    /// <summary>Where in the file the problem was found (bytes from the start).</summary>
    public long Offset { get; }
}
