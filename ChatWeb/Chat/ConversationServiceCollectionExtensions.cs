namespace ChatWeb.Chat;

internal static class ConversationServiceCollectionExtensions
{
    /// <summary>What the chat page needs to keep conversations: the session's history and context trimming.</summary>
    public static WebApplicationBuilder AddConversationHistory(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConversationOptions>()
            .Bind(builder.Configuration.GetSection(ConversationOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.AnswerTokens < o.ContextTokens,
                "ChatWeb:Conversations:AnswerTokens must be smaller than ChatWeb:Conversations:ContextTokens.")
            .ValidateOnStart();
        builder.Services.AddSingleton<ActiveAnswers>();
        builder.Services.AddScoped<ChatHistory>();
        return builder;
    }
}
