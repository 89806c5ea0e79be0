namespace ChatWeb.Engine.Local;

/// <summary>
/// Watches streamed text for stop strings that may span several tokens. Text that could be the
/// start of a stop string is held back until the next piece decides; when a stop string appears,
/// the text before it is released and the stream should end.
/// </summary>
internal sealed class StopSequenceFilter(IReadOnlyList<string> stops)
{
    private string _held = "";

    public bool Stopped { get; private set; }

    /// <summary>Takes the next piece; returns the text that is safe to show now.</summary>
    public string Push(string piece)
    {
        if (Stopped) return "";
        var text = _held + piece;
        var cut = -1;
        foreach (var stop in stops)
        {
            var at = stop.Length == 0 ? -1 : text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0)
        {
            Stopped = true;
            _held = "";
            return text[..cut];
        }
        var keep = 0;
        foreach (var stop in stops)
            keep = Math.Max(keep, LongestPrefixAtEnd(text, stop));
        _held = text[^keep..];
        return text[..^keep];
    }

    /// <summary>The held-back tail at the end of the stream (it was not a stop string after all).</summary>
    public string Flush()
    {
        var rest = Stopped ? "" : _held;
        _held = "";
        return rest;
    }

    private static int LongestPrefixAtEnd(string text, string stop)
    {
        for (var length = Math.Min(stop.Length - 1, text.Length); length > 0; length--)
            if (text.AsSpan(text.Length - length).SequenceEqual(stop.AsSpan(0, length)))
                return length;
        return 0;
    }
}
