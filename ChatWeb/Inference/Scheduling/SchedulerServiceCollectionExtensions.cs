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
    /// The one scheduler over the loaded model, built by <see cref="ModelHost"/> once the model is there
    /// (and stopped by it). A KV cache budget too small for the model throws, naming the setting.
    /// </summary>
    public static InferenceScheduler CreateInferenceScheduler(this IServiceProvider services, LocalModel model) =>
        new(model.Transformer,
            GgufChatClient.SchedulerOptionsFor(model, services.GetRequiredService<IOptions<InferenceOptions>>().Value),
            services.GetRequiredService<TimeProvider>(),
            services.GetService<IMeterFactory>(),
            services.GetRequiredService<ILogger<InferenceScheduler>>());
}
