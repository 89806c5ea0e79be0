using ChatWeb.Engine.Scheduling;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace ChatWeb.Telemetry;

internal static class TelemetryServiceCollectionExtensions
{
    /// <summary>The environment variable (or setting) that turns on the OTLP exporter for metrics, traces and logs.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OpenTelemetry metrics (ASP.NET Core requests, the <c>ChatWeb.Inference</c> meter, the chat client's gen_ai
    /// metrics) for the Prometheus endpoint, and traces (requests, chat calls); everything also goes to an OTLP
    /// collector when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public static WebApplicationBuilder AddChatWebTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddValidatedOptions<TelemetryOptions>(TelemetryOptions.Section);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("ChatWeb"))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddMeter(InferenceScheduler.MeterName, ChatClientTelemetry.SourceName)
                .AddPrometheusExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource(ChatClientTelemetry.SourceName));
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
            telemetry.WithLogging().UseOtlpExporter();
        return builder;
    }

    /// <summary>GET /metrics in Prometheus text format, for the callers <see cref="MetricsAccess"/> admits.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null,
            configureBranchedPipeline: branch => branch.Use(next => context => MetricsAccess.InvokeAsync(context, next)),
            optionsName: null);
        return app;
    }
}
