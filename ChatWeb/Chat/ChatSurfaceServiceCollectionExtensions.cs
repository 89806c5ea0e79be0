using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatWeb.Chat;

internal static class ChatSurfaceServiceCollectionExtensions
{
    /// <summary>Registers what the chat page needs besides the IChatClient: its options and a clock.</summary>
    public static WebApplicationBuilder AddChatSurface(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChatSurfaceOptions>()
            .Bind(builder.Configuration.GetSection(ChatSurfaceOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
