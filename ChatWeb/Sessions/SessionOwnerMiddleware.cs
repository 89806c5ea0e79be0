using System.Collections.Concurrent;
using ChatWeb.Storage;
using Microsoft.AspNetCore.Components.Endpoints;

namespace ChatWeb.Sessions;

/// <summary>
/// Gives every browser session that opens a page an owner id (kept in the ASP.NET Core session, whose data lives in
/// the database) and records when the session was last seen, at most once a minute.
/// </summary>
internal sealed class SessionOwnerMiddleware(RequestDelegate next, SessionActivityStore activity, TimeProvider time)
{
    public const string SessionKey = "ChatWeb.Owner";
    private static readonly TimeSpan SeenInterval = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _lastSeen = new();

    public async Task InvokeAsync(HttpContext context, SessionOwner owner)
    {
        // Only pages need the owner; static files, /health and the circuit's own connection do not.
        if (context.GetEndpoint()?.Metadata.GetMetadata<ComponentTypeMetadata>() is null)
        {
            await next(context);
            return;
        }
        await context.Session.LoadAsync(context.RequestAborted);
        var id = context.Session.GetString(SessionKey);
        if (id is null)
        {
            id = Ids.New();
            context.Session.SetString(SessionKey, id);
        }
        owner.SetFromRequest(id);
        RecordSeen(id);
        await next(context);
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
