using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Api;

/// <summary>Settings of the programmatic interfaces (/api, /v1, /ws), bound from <c>ChatWeb:Api</c>.</summary>
public sealed class ApiOptions
{
    public const string Section = "ChatWeb:Api";

    /// <summary>
    /// Accepted API keys, each stored as the SHA-256 of the key (hex). With none, the API answers only
    /// requests from this machine (loopback) and refuses the rest with 401.
    /// </summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>Requests per minute one API key may make.</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinutePerKey { get; set; } = 120;

    /// <summary>Requests per minute one IP address may make without a valid key (including refused ones).</summary>
    [Range(1, 1_000_000)]
    public int RequestsPerMinutePerIp { get; set; } = 60;

    /// <summary>
    /// The most characters one API or WebSocket conversation keeps (prompts and answers); past it its oldest
    /// turns are forgotten and the reply says how many (<c>forgottenMessages</c>). Keep it above what fits the model's context.
    /// </summary>
    [Range(1_000, 100_000_000)]
    public int MaxConversationCharacters { get; set; } = 400_000;

    /// <summary>The most conversations one caller (API key, or address without keys) keeps; a new one past it forgets the caller's least recently used.</summary>
    [Range(1, 1_000_000)]
    public int MaxConversationsPerOwner { get; set; } = 100;

    /// <summary>The most API conversations the server keeps in all; past it the least recently used are forgotten.</summary>
    [Range(1, 10_000_000)]
    public int MaxConversations { get; set; } = 10_000;

    /// <summary>The most characters all API conversations together keep in the database; past it the least recently used idle ones are forgotten.</summary>
    [Range(100_000, 2_000_000_000)]
    public int MaxStoredCharacters { get; set; } = 50_000_000;

    /// <summary>The most WebSockets one caller may hold open at once; one more is refused with 429.</summary>
    [Range(1, 10_000)]
    public int MaxSocketsPerOwner { get; set; } = 16;

    /// <summary>The most conversation ids one WebSocket keeps; a new id past it forgets the socket's least recently used.</summary>
    [Range(1, 10_000)]
    public int MaxConversationsPerSocket { get; set; } = 32;

    /// <summary>Origins allowed to call the API from a browser (CORS). Empty: CORS is off.</summary>
    public List<string> CorsOrigins { get; set; } = [];
}

/// <summary>
/// One API key: a name for logs and rate limits, and the SHA-256 of the key in hex
/// (checked at start-up by <c>AddChatApis</c>).
/// </summary>
public sealed class ApiKeyOptions
{
    public string Name { get; set; } = "";

    public string Sha256 { get; set; } = "";
}
