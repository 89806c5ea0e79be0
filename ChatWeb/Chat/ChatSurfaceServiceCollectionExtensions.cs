using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor;
using MudBlazor.Services;

namespace ChatWeb.Chat;

internal static class ChatSurfaceServiceCollectionExtensions
{
    /// <summary>Registers what the chat page needs besides the IChatClient: its options, a clock, MudBlazor's services
    /// (short notices at the bottom, each shown once) and the circuit's connection state.</summary>
    public static WebApplicationBuilder AddChatSurface(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ChatSurfaceOptions>(ChatSurfaceOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMudServices(mud =>
        {
            mud.SnackbarConfiguration.PositionClass = Defaults.Classes.Position.BottomCenter;
            mud.SnackbarConfiguration.PreventDuplicates = true;
            mud.SnackbarConfiguration.VisibleStateDuration = 4000;
            mud.SnackbarConfiguration.ShowCloseIcon = true;
        });
        builder.Services.AddScoped<CircuitConnection>();
        builder.Services.AddScoped<CircuitHandler>(services => services.GetRequiredService<CircuitConnection>());
        return builder;
    }
}
