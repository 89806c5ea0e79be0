using ChatWeb.Engine.Chat;
using Microsoft.Extensions.Options;

namespace ChatWeb.Chat;

internal static class ConversationServiceCollectionExtensions
{
    /// <summary>The conversation pipeline's settings (<c>ChatWeb:Conversations</c>) and its <see cref="TurnBuilder"/>: for the web app and the terminal.</summary>
    public static WebApplicationBuilder AddConversationPipeline(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ConversationOptions>(ConversationOptions.Section)
            .Validate(o => o.AnswerTokens < o.ContextTokens,
                "ChatWeb:Conversations:AnswerTokens must be smaller than ChatWeb:Conversations:ContextTokens.");
        builder.Services.AddSingleton(sp =>
            new TurnBuilder(sp.GetRequiredService<IOptions<ConversationOptions>>(), sp.GetRequiredService<ITokenCounter>(),
                sp.GetService<IModelCatalog>()));
        return builder;
    }

    /// <summary>What the chat page needs: the pipeline, the session's stored history and the page's conversation service.</summary>
    public static WebApplicationBuilder AddConversationHistory(this WebApplicationBuilder builder)
    {
        builder.AddConversationPipeline();
        builder.Services.AddSingleton<ActiveAnswers>();
        builder.Services.AddScoped<ChatHistory>();
        builder.Services.AddScoped<ConversationService>();
        return builder;
    }
}
