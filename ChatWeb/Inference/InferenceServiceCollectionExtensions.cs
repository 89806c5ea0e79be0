using ChatWeb.Inference.Demo;
using Microsoft.Extensions.AI;

namespace ChatWeb.Inference;

internal static class InferenceServiceCollectionExtensions
{
    /// <summary>Registers the IChatClient the chat talks to. Without a model that is the demo client.</summary>
    public static WebApplicationBuilder AddInference(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<DemoOptions>()
            .Bind(builder.Configuration.GetSection(DemoOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(BackendStatus.Demo("No model configured (set ChatWeb:Model:Path)."));
        builder.Services.AddSingleton<IChatClient, DemoChatClient>();
        return builder;
    }
}
