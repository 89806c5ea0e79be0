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
