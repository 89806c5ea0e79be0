namespace ChatWeb.Inference.Remote;

/// <summary>
/// One model served elsewhere by an OpenAI-compatible server (vLLM, llama.cpp's server, Ollama, another ChatWeb,
/// a hosted service): an entry of <c>ChatWeb:Backends</c>. Checked at start-up by <see cref="BackendsValidator"/>.
/// </summary>
public sealed class BackendOptions
{
    /// <summary>The name people pick the model by (the page's model picker, <c>model</c> in /api/chat and /v1).</summary>
    public string? Name { get; set; }

    /// <summary>The server's OpenAI-compatible base URL, e.g. <c>http://gpu1:8000/v1</c> (requests go to <c>{BaseUrl}/chat/completions</c>).</summary>
    public string? BaseUrl { get; set; }

    /// <summary>More servers running the same model: requests go round the list and move on when one fails.</summary>
    public List<string> BaseUrls { get; set; } = [];

    /// <summary>Sent as <c>Authorization: Bearer …</c>; leave empty for a server that wants none.</summary>
    public string? ApiKey { get; set; }

    /// <summary>The model's id on the server (<c>model</c> in its requests); default: <see cref="Name"/>.</summary>
    public string? RemoteModel { get; set; }

    /// <summary>Requests sent to the model at once (all its servers together); more wait in the queue.</summary>
    public int MaxConcurrentRequests { get; set; } = 4;

    /// <summary>Requests that may wait; one more is refused as busy.</summary>
    public int QueueSize { get; set; } = 32;

    /// <summary>Generations one owner (a browser session, an API key) runs at once on this model.</summary>
    public int MaxActivePerOwner { get; set; } = 1;

    /// <summary>Tokens the model takes (prompt + answer); the longest prompt sent is three quarters of it (counted as characters / 4).</summary>
    public int ContextTokens { get; set; } = 32_768;

    /// <summary>How long a server may take to send the first piece of an answer before the next server is tried.</summary>
    public int FirstTokenTimeoutSeconds { get; set; } = 30;

    /// <summary>Wall-clock limit of one request, queueing included.</summary>
    public int RequestTimeoutSeconds { get; set; } = 600;

    /// <summary>Failures in a row after which a server gets no requests for <see cref="BreakSeconds"/>.</summary>
    public int FailuresToOpen { get; set; } = 2;

    /// <summary>How long a failing server rests before one request or probe tries it again.</summary>
    public int BreakSeconds { get; set; } = 30;

    /// <summary>Seconds between two health probes (<c>GET {BaseUrl}/models</c>) of each server; 0 = none.</summary>
    public int HealthCheckSeconds { get; set; } = 15;

    /// <summary>Every base URL: <see cref="BaseUrl"/> first, then <see cref="BaseUrls"/>.</summary>
    public IReadOnlyList<string> AllUrls() =>
        [.. (string.IsNullOrWhiteSpace(BaseUrl) ? [] : new[] { BaseUrl }), .. BaseUrls.Where(u => !string.IsNullOrWhiteSpace(u))];
}

/// <summary>The list <c>ChatWeb:Backends</c> (bound from the <c>ChatWeb</c> section).</summary>
public sealed class BackendsOptions
{
    public const string Section = "ChatWeb";
    public const string Key = "ChatWeb:Backends";

    public List<BackendOptions> Backends { get; set; } = [];
}
