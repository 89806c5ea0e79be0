using ChatWeb.Chat;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

internal static class TestServices
{
    /// <summary>What the chat's components need besides an IChatClient: a clock and the surface's options.</summary>
    public static IServiceCollection AddChatSurfaceForTests(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<ChatSurfaceOptions>();
        return services;
    }
}
