using Bunit;

namespace ChatWeb.Tests.Components;

/// <summary>
/// A bUnit context for components that use MudBlazor: some of MudBlazor's services can only be disposed
/// asynchronously, and xUnit 2 disposes a test class synchronously unless it is an <see cref="IAsyncLifetime"/>.
/// </summary>
public abstract class MudTestContext : BunitContext, IAsyncLifetime
{
    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();
}
