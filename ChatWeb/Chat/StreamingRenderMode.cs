namespace ChatWeb.Chat;

/// <summary>
/// How a streaming answer reaches the browser. <see cref="Incremental"/> is what ChatWeb does;
/// <see cref="Naive"/> re-renders the whole message on every token and exists only so the
/// streaming benchmark can show the difference.
/// </summary>
public enum StreamingRenderMode
{
    Incremental,
    Naive,
}
