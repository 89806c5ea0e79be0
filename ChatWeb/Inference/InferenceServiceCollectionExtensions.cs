using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Inference.Demo;
using ChatWeb.Inference.Remote;
using ChatWeb.Telemetry;
using Microsoft.Extensions.AI;

namespace ChatWeb.Inference;

internal static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine's inference service (<see cref="Engine.Hosting.InferenceServiceCollectionExtensions.AddLocalInference"/>:
    /// the chat client, the token counter and <see cref="IInferenceStatus"/>) with the demo assistant answering
    /// while there is no model, the remote models of <c>ChatWeb:Backends</c>, and the app's <see cref="IChatClient"/>:
    /// Microsoft.Extensions.AI's pipeline over the <see cref="ModelRouter"/> (the engine's client or a remote model's).
    /// </summary>
    public static WebApplicationBuilder AddInference(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<DemoOptions>(DemoOptions.Section);
        builder.Services.AddSingleton<DemoChatClient>();
        builder.Services.AddLocalInference(builder.Configuration, builder.Environment.ContentRootPath,
            sp => (sp.GetRequiredService<DemoChatClient>(), new EstimatedTokenCounter()));
        // The IChatClient everyone uses: the engine's, behind M.E.AI's logging (text only at Trace) and OpenTelemetry middleware.
        // Both pass every update through as it comes, progress updates included, and hand cancellation on.
        builder.AddRemoteBackends();
        builder.Services.AddChatClient(sp => new ModelRouter(
                sp.GetRequiredKeyedService<IChatClient>(Engine.Hosting.InferenceServiceCollectionExtensions.ChatClientKey),
                sp.GetRequiredService<ModelCatalog>()))
            .UseChatWebLogging()
            .UseChatWebTelemetry();
        return builder;
    }
}
