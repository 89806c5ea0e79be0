using System.Net;

namespace ChatWeb.Api.Access;

/// <summary>
/// Who is calling the API, decided once per request from <c>Authorization: Bearer &lt;key&gt;</c> and the
/// remote address: the key's name when the key is valid, else nothing but the IP address.
/// </summary>
internal sealed record ApiCaller(string? KeyName, bool PresentedKey, IPAddress? Address)
{
    private static readonly object ItemKey = new();

    public bool IsLoopback => Address is not null && IPAddress.IsLoopback(Address);

    /// <summary>The API's access rule: a valid key, or, while no keys are configured, a caller on this machine (loopback).</summary>
    public bool IsAdmitted(ApiKeyRing keys) => KeyName is not null || (!keys.HasKeys && IsLoopback);

    /// <summary>Why <see cref="IsAdmitted"/> said no, and what to do about it.</summary>
    public string RefusalReason(ApiKeyRing keys) =>
        !keys.HasKeys ? "The API is open only to this machine until API keys are configured under ChatWeb:Api:Keys (see README)."
        : PresentedKey ? "The API key is not valid."
        : "Send an API key: 'Authorization: Bearer <key>'.";

    /// <summary>The rate-limit partition: per key for valid keys, per IP address otherwise.</summary>
    public string Partition => KeyName is not null ? "key:" + KeyName : "ip:" + (Address?.ToString() ?? "unknown");

    /// <summary>
    /// Whose generations these are for the engine (<c>options.WithOwner</c>): the key's name, else the
    /// client's address, so one caller runs as many generations at once as one browser session.
    /// </summary>
    public string Owner => Partition;

    public static ApiCaller Of(HttpContext context)
    {
        if (context.Items.TryGetValue(ItemKey, out var known))
            return (ApiCaller)known!;

        var ring = context.RequestServices.GetRequiredService<ApiKeyRing>();
        var key = BearerToken(context.Request);
        var caller = new ApiCaller(key is null ? null : ring.Identify(key), key is not null, context.Connection.RemoteIpAddress);
        context.Items[ItemKey] = caller;
        return caller;
    }

    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        return header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && header.Length > scheme.Length
            ? header[scheme.Length..].Trim()
            : null;
    }
}
