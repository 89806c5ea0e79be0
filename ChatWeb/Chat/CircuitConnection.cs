using Microsoft.AspNetCore.Components.Server.Circuits;

namespace ChatWeb.Chat;

/// <summary>
/// The browser's connection to this circuit (one per circuit): <see cref="Restored"/> fires when a connection
/// that was lost comes back, so the page can say so ("Connection restored").
/// </summary>
internal sealed class CircuitConnection : CircuitHandler
{
    private bool _lost;

    public event Action? Restored;

    public override Task OnConnectionDownAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        _lost = true;
        return Task.CompletedTask;
    }

    public override Task OnConnectionUpAsync(Circuit circuit, CancellationToken cancellationToken)
    {
        if (_lost)
        {
            _lost = false;
            Restored?.Invoke();
        }
        return Task.CompletedTask;
    }
}
