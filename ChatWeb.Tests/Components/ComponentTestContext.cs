using Bunit;
using Microsoft.AspNetCore.Components;

namespace ChatWeb.Tests.Components;

/// <summary>
/// A bUnit context for the chat's components: loose JS interop, a clock, the
/// surface's options and MudBlazor's services. Disposed asynchronously, as MudBlazor's services require.
/// </summary>
public abstract class ComponentTestContext : BunitContext
{
    protected ComponentTestContext()
    {
        DefaultWaitTimeout = TimeSpan.FromSeconds(30); // a busy 2-core CI machine can take seconds per render; waits end at their state
        Services.AddChatSurfaceForTests();
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    /// <summary>Renders as an interactive circuit does; call after the last service is added (it starts the renderer).</summary>
    protected void RenderInteractively() => SetRendererInfo(new RendererInfo("Server", isInteractive: true));

    // xUnit calls Dispose(); MudBlazor's scoped services can only be disposed asynchronously.
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            DisposeAsync().AsTask().GetAwaiter().GetResult();
        else
            base.Dispose(disposing);
    }
}
