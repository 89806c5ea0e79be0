using ChatWeb.Chat;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;

namespace ChatWeb.Tests.Components;

internal static class TestServices
{
    /// <summary>What the chat's components need besides an IChatClient: a clock, the surface's options and MudBlazor's services.</summary>
    public static IServiceCollection AddChatSurfaceForTests(this IServiceCollection services)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<ChatSurfaceOptions>();
        services.AddMudServices();
        services.AddScoped<CircuitConnection>();
        return services;
    }
}
