using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatWeb.Engine.Hosting;
using ChatWeb.Tests;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Telemetry;

/// <summary>The engine's own meter (<c>ChatWeb.Inference</c>) on /metrics, after a real model (stories260K) answered.</summary>
public sealed class InferenceMetricsTests
{
    [Fact]
    public async Task AfterAChatWithARealModel_MetricsShowTheSchedulersFigures()
    {
        using var factory = new ChatWebFactory();
        await using var app = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Model:Path"] = TestPaths.Model("stories260K", "stories260K.gguf"),
        });
        using var client = ChatWebFactory.Keyed(app.CreateClient());
        var status = app.Services.GetRequiredService<IInferenceStatus>();
        await status.WhenLoaded();
        Assert.True(status.Current.ModelLoaded);

        var chat = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = status.Current.Model,
            messages = new[] { new { role = "user", content = "Once upon a time" } },
            max_tokens = 16,
            temperature = 0,
        });
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var completionTokens = (await chat.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.True(completionTokens > 0);

        var text = await client.GetStringAsync("/metrics");

        PrometheusText.AssertWellFormed(text);
        Assert.True(PrometheusText.Sum(text, "chatweb_inference_tokens_generated_total") >= completionTokens, text);
        Assert.True(PrometheusText.Sum(text, "chatweb_inference_requests_finished_total") >= 1, text);
        Assert.True(PrometheusText.Sum(text, "chatweb_inference_time_to_first_token_seconds_count") >= 1, text);
        Assert.NotNull(PrometheusText.Sum(text, "chatweb_inference_queue_length"));
        Assert.NotNull(PrometheusText.Sum(text, "chatweb_inference_kv_cache_size_bytes"));
        Assert.True(PrometheusText.Sum(text, "gen_ai_client_token_usage_count") >= 2, text);
    }
}
