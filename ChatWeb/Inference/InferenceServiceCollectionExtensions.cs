using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Inference.Demo;

namespace ChatWeb.Inference;

internal static class InferenceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine's inference service (<see cref="InferenceServiceCollectionExtensions.AddLocalInference"/>:
    /// the IChatClient, the token counter and <see cref="IInferenceStatus"/>) with the demo assistant answering
    /// while there is no model.
    /// </summary>
    public static WebApplicationBuilder AddInference(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>()
            .Bind(builder.Configuration.GetSection(DemoOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<DemoChatClient>();
        builder.Services.AddLocalInference(builder.Configuration, builder.Environment.ContentRootPath,
            sp => (sp.GetRequiredService<DemoChatClient>(), new EstimatedTokenCounter()));
        return builder;
    }
}
