using Microsoft.Extensions.Options;

namespace ChatWeb.Api.WebSockets;

/// <summary>Counts the open WebSockets per owner, so one caller holds at most <c>ChatWeb:Api:MaxSocketsPerOwner</c>.</summary>
internal sealed class SocketCounter(IOptions<ApiOptions> options)
{
    private readonly Dictionary<string, int> _open = [];

    public int Limit => options.Value.MaxSocketsPerOwner;

    /// <summary>Counts one more socket of <paramref name="owner"/>; false (nothing counted) when the owner has the most already.</summary>
    public bool TryOpen(string owner)
    {
        lock (_open)
        {
            var open = _open.GetValueOrDefault(owner);
            if (open >= Limit)
                return false;
            _open[owner] = open + 1;
            return true;
        }
    }

    public void Closed(string owner)
    {
        lock (_open)
        {
            if (_open.TryGetValue(owner, out var open) && open > 1)
                _open[owner] = open - 1;
            else
                _open.Remove(owner);
        }
    }
}
