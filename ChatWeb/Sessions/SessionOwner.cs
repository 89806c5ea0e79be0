using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace ChatWeb.Sessions;

/// <summary>
/// Who the current browser session is: an unguessable id that owns conversations and prompt history.
/// During the first HTTP request the middleware sets it; a Blazor circuit has no HttpContext, so the
/// id travels into the circuit as protected prerendered state and is read back here.
/// </summary>
public sealed class SessionOwner(IServiceProvider services)
{
    private const string StateKey = "ChatWeb.SessionOwner";
    private string? _id;
    private bool _restored;

    /// <summary>The session's owner id; null when the page was not loaded through a session (reload to fix).</summary>
    public string? Id
    {
        get
        {
            if (_id is null && !_restored)
            {
                _restored = true;
                if (services.GetService<PersistentComponentState>() is { } state && state.TryTakeFromJson<string>(StateKey, out var id))
                    _id = id;
            }
            return _id;
        }
    }

    /// <summary>Sets the id for this request and hands it to the interactive circuit that the page starts.</summary>
    public void SetFromRequest(string id)
    {
        _id = id;
        if (services.GetService<PersistentComponentState>() is { } state)
            state.RegisterOnPersisting(() =>
            {
                state.PersistAsJson(StateKey, id);
                return Task.CompletedTask;
            }, RenderMode.InteractiveServer);
    }

    /// <summary>For tests and tools: this scope acts as the given session.</summary>
    public void Set(string id) => _id = id;
}
