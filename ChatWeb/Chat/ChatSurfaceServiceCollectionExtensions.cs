using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;

namespace ChatWeb.Chat;

internal static class ChatSurfaceServiceCollectionExtensions
{
    /// <summary>Registers what the chat page needs besides the IChatClient: its options and a clock.</summary>
    public static WebApplicationBuilder AddChatSurface(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ChatSurfaceOptions>(ChatSurfaceOptions.Section);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMudServices();
        return builder;
    }
}
