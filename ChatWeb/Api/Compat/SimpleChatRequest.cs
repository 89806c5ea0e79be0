namespace ChatWeb.Api.Compat;

/// <summary>
/// The body of the simple chat server's <c>POST /chat</c> and <c>/chat/sync</c>: <c>{"prompt": "hello", "thinking": false}</c>.
/// Other fields are ignored, as that server ignored them.
/// </summary>
internal sealed class SimpleChatRequest
{
    public string? Prompt { get; init; }

    /// <summary>Let a reasoning model think first and stream its thoughts (marked <c>"thinking": true</c>).</summary>
    public bool Thinking { get; init; }
}
