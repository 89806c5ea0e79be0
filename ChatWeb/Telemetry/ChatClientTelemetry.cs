using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatWeb.Telemetry;

/// <summary>Microsoft.Extensions.AI's OpenTelemetry middleware for the app's chat client: gen_ai spans and metrics.</summary>
internal static class ChatClientTelemetry
{
    /// <summary>The activity source and meter of the chat calls (gen_ai.client.operation.duration, gen_ai.client.token.usage, ...).</summary>
    public const string SourceName = "ChatWeb.Chat";

    /// <summary>
    /// Adds the OpenTelemetry chat client to the pipeline. Message text goes into spans only when
    /// <see cref="TelemetryOptions.IncludeContent"/> is set. It logs nothing itself: failures are logged once, by the logging middleware.
    /// </summary>
    public static ChatClientBuilder UseChatWebTelemetry(this ChatClientBuilder builder) =>
        builder.Use((inner, services) => new OpenTelemetryChatClient(inner, logger: null, SourceName)
        {
            EnableSensitiveData = services.GetRequiredService<IOptions<TelemetryOptions>>().Value.IncludeContent,
        });
}
