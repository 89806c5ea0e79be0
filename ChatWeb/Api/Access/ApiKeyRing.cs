using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace ChatWeb.Api.Access;

/// <summary>
/// The configured API keys, held only as SHA-256 hashes. A presented key is hashed and compared in
/// fixed time with each, so neither the keys nor the timing of a wrong guess give anything away.
/// Keys added to appsettings.json apply without a restart; an invalid edit keeps the last good keys.
/// </summary>
internal sealed class ApiKeyRing(IOptionsMonitor<ApiOptions> options, ILogger<ApiKeyRing> logger)
{
    private sealed record Loaded(ApiOptions From, (string Name, byte[] Hash)[] Keys);

    private volatile Loaded? _loaded;

    public bool HasKeys => Current().Length > 0;

    /// <summary>The name of the key, or null when it is not one of the configured keys.</summary>
    public string? Identify(string presentedKey)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey));
        string? name = null;
        foreach (var key in Current())
        {
            if (CryptographicOperations.FixedTimeEquals(hash, key.Hash))
                name = key.Name;
        }
        return name;
    }

    private (string Name, byte[] Hash)[] Current()
    {
        ApiOptions current;
        try
        {
            current = options.CurrentValue;
        }
        catch (OptionsValidationException e) when (_loaded is { } lastGood)
        {
            ApiLog.KeysRejected(logger, e.Message);
            return lastGood.Keys;
        }
        if (_loaded is { } loaded && ReferenceEquals(loaded.From, current))
            return loaded.Keys;
        var keys = current.Keys.Select(k => (k.Name, Convert.FromHexString(k.Sha256))).ToArray();
        _loaded = new Loaded(current, keys);
        return keys;
    }

    /// <summary>The SHA-256 (hex, lower case) to configure for a key.</summary>
    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>A new random key ("cw-" and 43 URL-safe characters).</summary>
    public static string NewKey() => "cw-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
