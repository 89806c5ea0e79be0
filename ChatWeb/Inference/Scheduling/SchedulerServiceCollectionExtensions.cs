using System.Diagnostics.Metrics;
using ChatWeb.Inference.Local;
using Microsoft.Extensions.Options;

namespace ChatWeb.Inference.Scheduling;

internal static class SchedulerServiceCollectionExtensions
{
    /// <summary><c>ChatWeb:Inference</c>, checked at start-up (with or without a model): an invalid value stops the app with a message naming it.</summary>
    public static WebApplicationBuilder AddInferenceOptions(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<InferenceOptions>()
            .Bind(builder.Configuration.GetSection(InferenceOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>();
        return builder;
    }

    /// <summary>
    /// The one scheduler over the loaded model, as a singleton hosted service: built at start-up, so a
    /// KV cache budget too small for the model stops the app with a message naming the setting.
    /// </summary>
    public static WebApplicationBuilder AddInferenceScheduler(this WebApplicationBuilder builder, LocalModel model)
    {
        builder.Services.AddSingleton(sp => new InferenceScheduler(
            model.Transformer,
            GgufChatClient.SchedulerOptionsFor(model, sp.GetRequiredService<IOptions<InferenceOptions>>().Value),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<IMeterFactory>(),
            sp.GetRequiredService<ILogger<InferenceScheduler>>()));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<InferenceScheduler>());
        return builder;
    }
}
