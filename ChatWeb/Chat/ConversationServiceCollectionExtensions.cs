namespace ChatWeb.Chat;

internal static class ConversationServiceCollectionExtensions
{
    /// <summary>What the chat page needs to keep conversations: the session's history and context trimming.</summary>
    public static WebApplicationBuilder AddConversationHistory(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ConversationOptions>(ConversationOptions.Section)
            .Validate(o => o.AnswerTokens < o.ContextTokens,
                "ChatWeb:Conversations:AnswerTokens must be smaller than ChatWeb:Conversations:ContextTokens.");
        builder.Services.AddSingleton<ActiveAnswers>();
        builder.Services.AddScoped<ChatHistory>();
        return builder;
    }
}
