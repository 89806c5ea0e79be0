using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Sessions;
using ChatWeb.Storage;
using ChatWeb.Tests.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

internal static class ChatHistoryTestServices
{
    /// <summary>
    /// What the chat page needs to keep history: a fresh database in a temp folder (removed when the
    /// test's services are disposed), a session acting as <paramref name="owner"/>, and the page's conversation service.
    /// </summary>
    public static IServiceCollection AddChatHistoryForTests(this IServiceCollection services, string owner = "test-session")
    {
        services.AddSingleton(_ => new TempDataFolder());
        services.AddSingleton(provider =>
        {
            var database = provider.GetRequiredService<TempDataFolder>().Database();
            new PresetStore(database, TimeProvider.System).EnsureSeeded();
            return database;
        });
        services.AddSingleton<ConversationStore>();
        services.AddSingleton<PromptHistoryStore>();
        services.AddSingleton<PresetStore>();
        services.AddSingleton<ActiveAnswers>();
        services.AddSingleton<ITokenCounter, EstimatedTokenCounter>();
        services.AddOptions<ConversationOptions>();
        services.AddScoped(provider =>
        {
            var session = new SessionOwner(provider);
            session.Set(owner);
            return session;
        });
        services.AddSingleton(provider => new TurnBuilder(
            provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConversationOptions>>(), provider.GetRequiredService<ITokenCounter>()));
        services.AddScoped<ChatHistory>();
        services.AddScoped<ConversationService>();
        return services;
    }
}
