using System.Diagnostics.Metrics;
using ChatWeb.Inference.Local;
using Microsoft.Extensions.Options;

namespace ChatWeb.Inference.Scheduling;

internal static class SchedulerServiceCollectionExtensions
{
    /// <summary>
    /// The one scheduler over the loaded model, as a singleton hosted service: built at start-up, so
    /// invalid <c>ChatWeb:Inference</c> settings stop the app with a message naming the setting.
    /// </summary>
    public static WebApplicationBuilder AddInferenceScheduler(this WebApplicationBuilder builder, LocalModel model)
    {
        builder.Services.AddOptions<InferenceOptions>()
            .Bind(builder.Configuration.GetSection(InferenceOptions.Section))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<InferenceOptions>, InferenceOptionsValidator>();
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
