using ChatWeb.Api.Access;
using ChatWeb.Api.Chains;
using ChatWeb.Api.Chat;
using ChatWeb.Api.Compat;
using ChatWeb.Api.Conversations;
using ChatWeb.Api.OpenAi;
using ChatWeb.Api.WebSockets;
using Microsoft.Extensions.Options;

namespace ChatWeb.Api;

/// <summary>
/// Registers and maps the programmatic interfaces: /api (JSON and SSE), /v1 (OpenAI-compatible), /ws/chat, and the
/// earlier chat servers' /chat, /chat/sync, /completion and /stream-example.
/// </summary>
internal static class ApiServiceCollectionExtensions
{
    private const string CorsPolicy = "api";

    public static WebApplicationBuilder AddChatApis(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<ApiOptions>(ApiOptions.Section)
            .Validate(o => o.Keys.All(k => !string.IsNullOrWhiteSpace(k.Name) && k.Sha256.Length == 64 && k.Sha256.All(char.IsAsciiHexDigit)),
                "Each ChatWeb:Api:Keys entry needs a Name and a Sha256 of 64 hex digits (echo -n KEY | sha256sum).");

        builder.Services.AddSingleton<ApiKeyRing>();
        builder.Services.AddSingleton<ISystemPresets, StoredSystemPresets>();
        builder.Services.AddSingleton<IConversationStore, DatabaseConversationStore>();
        builder.Services.AddSingleton<ChatTurns>();
        builder.Services.AddSingleton<ChainRunner>();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<ApiRateLimiter>();
        builder.Services.AddSingleton<SocketCounter>();
        builder.Services.AddRateLimiter(_ => { }); // the pages' policy (Sessions) runs in this middleware

        var origins = builder.Configuration.GetSection(ApiOptions.Section + ":CorsOrigins").Get<string[]>() ?? [];
        if (origins.Length > 0)
            builder.Services.AddCors(cors => cors.AddPolicy(CorsPolicy, policy =>
                policy.WithOrigins(origins).AllowAnyHeader().AllowAnyMethod()));
        return builder;
    }

    public static WebApplication MapChatApis(this WebApplication app)
    {
        var cors = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.CorsOrigins.Count > 0;
        if (cors)
            app.UseCors();
        app.UseRateLimiter();
        app.UseWebSockets();

        var api = Protect(app.MapGroup("/api"), ApiErrorShape.ProblemDetails, cors);
        api.MapChatApi();
        api.MapChainsApi();

        Protect(app.MapGroup("/v1"), ApiErrorShape.OpenAi, cors).MapOpenAiApi();
        var origins = new OriginFilter(app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.CorsOrigins.Select(o => o.TrimEnd('/')).ToArray());
        Protect(app.MapGroup("/ws"), ApiErrorShape.ProblemDetails, cors).AddEndpointFilter(origins).MapChatSocket();

        // The protocols of the chat servers ChatWeb replaces, at their own paths (see Api/Compat).
        Protect(app.MapGroup(""), ApiErrorShape.ProblemDetails, cors).MapSimpleChatApi();
        Protect(app.MapGroup(""), ApiErrorShape.ProblemDetails, cors, json: false).AddEndpointFilter(origins).MapCompletionApi();

        return app;
    }

    private static RouteGroupBuilder Protect(RouteGroupBuilder group, ApiErrorShape shape, bool cors, bool json = true)
    {
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var filter = new ApiRateLimitFilter(factory.ApplicationServices.GetRequiredService<ApiRateLimiter>(), shape);
            return context => filter.InvokeAsync(context, next);
        });
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var filter = new ApiKeyFilter(factory.ApplicationServices.GetRequiredService<ApiKeyRing>(), shape);
            return context => filter.InvokeAsync(context, next);
        });
        if (json)
            group.AddEndpointFilter(new JsonContentTypeFilter(shape));
        if (cors)
            group.RequireCors(CorsPolicy);
        return group;
    }
}
