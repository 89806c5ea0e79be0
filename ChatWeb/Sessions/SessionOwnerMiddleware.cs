using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using ChatWeb.Storage;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace ChatWeb.Sessions;

/// <summary>
/// Gives every browser that opens a page an owner id, kept in the browser itself: an HttpOnly cookie
/// whose value is the id and its expiry, encrypted and signed with the data-protection keys. Nothing is
/// written to the database for a page view without that cookie (a crawler's 2,000 cookieless views cost
/// no rows); a browser that comes back with it is recorded as seen (at most once a minute), and its
/// conversations are stored when it starts one. Each view renews the cookie, so a session ends after
/// <see cref="ChatSessionOptions.IdleTimeout"/> without one. Browsers from before this cookie still
/// carry the ASP.NET Core session cookie; their id is read from that session once and moved over.
/// </summary>
internal sealed class SessionOwnerMiddleware(RequestDelegate next, SessionActivityStore activity, TimeProvider time,
    IDataProtectionProvider protection, IOptions<ChatSessionOptions> options, IHostEnvironment environment)
{
    public const string CookieName = ".ChatWeb.Owner";
    public const string LegacySessionCookie = ".ChatWeb.Session", LegacySessionKey = "ChatWeb.Owner";
    private static readonly TimeSpan SeenInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new();
    private readonly IDataProtector _protector = protection.CreateProtector("ChatWeb.SessionOwner.v1");

    public async Task InvokeAsync(HttpContext context, SessionOwner owner)
    {
        // Only pages need the owner; static files, /health and the circuit's own connection do not.
        if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is null)
        {
            await next(context);
            return;
        }
        var id = ReadCookie(context) ?? await ReadLegacySessionAsync(context);
        if (id is not null)
            RecordSeen(id);
        id ??= Ids.New();
        WriteCookie(context, id);
        owner.SetFromRequest(id);
        await next(context);
    }

    private string? ReadCookie(HttpContext context)
    {
        if (context.Request.Cookies[CookieName] is not { Length: > 0 } value)
            return null;
        try
        {
            var parts = _protector.Unprotect(value).Split('|');
            return parts.Length == 2 && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var expires)
                   && expires > time.GetUtcNow().ToUnixTimeMilliseconds()
                ? parts[0]
                : null;
        }
        catch (CryptographicException)
        {
            return null; // not ours, tampered with, or made with keys that are gone: a new session
        }
    }

    private static async Task<string?> ReadLegacySessionAsync(HttpContext context)
    {
        if (!context.Request.Cookies.ContainsKey(LegacySessionCookie))
            return null;
        await context.Session.LoadAsync(context.RequestAborted);
        return context.Session.GetString(LegacySessionKey);
    }

    private void WriteCookie(HttpContext context, string id)
    {
        var idle = options.Value.IdleTimeout;
        var expires = time.GetUtcNow() + idle;
        context.Response.Cookies.Append(CookieName, _protector.Protect($"{id}|{expires.ToUnixTimeMilliseconds()}"), new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = !environment.IsDevelopment() || context.Request.IsHttps,
            IsEssential = true,
            Path = "/",
            MaxAge = idle,
        });
    }

    private void RecordSeen(string id)
    {
        var now = time.GetUtcNow();
        if (_lastSeen.TryGetValue(id, out var last) && now - last < SeenInterval)
            return;
        if (_lastSeen.Count > 100_000)
            _lastSeen.Clear();
        _lastSeen[id] = now;
        activity.Seen(id);
    }
}
