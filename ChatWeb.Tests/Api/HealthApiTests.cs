using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatWeb.Engine.Hosting;
using ChatWeb.Tests.Admin;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Api;

public sealed class HealthApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task Health_Returns200_NamingTheBackend_AndWhetherAModelIsLoaded()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("demo", body.GetProperty("backend").GetString());
        Assert.False(body.GetProperty("modelLoaded").GetBoolean());
        Assert.Contains("ChatWeb:Model:Path", body.GetProperty("reason").GetString());
    }
}

public sealed class HealthProbeTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private HttpClient Client(ChatWeb.Tests.Components.FakeInferenceStatus backend) => factory.WithWebHostBuilder(b =>
        b.ConfigureTestServices(s => s.AddSingleton<IInferenceStatus>(backend))).CreateClient();

    [Fact]
    public async Task Ready_Is503WithRetryAfter_WhileTheModelLoads_AndLiveIs200_ThenReadyIs200()
    {
        var backend = new ChatWeb.Tests.Components.FakeInferenceStatus(
            InferenceStatus.LoadingModel("stories260K", new ModelLoadProgress(ModelLoadProgress.ReadingWeights, 45, 100)));
        using var client = Client(backend);

        var loading = await client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, loading.StatusCode);
        Assert.NotNull(loading.Headers.RetryAfter);
        Assert.Equal("loading", (await loading.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);

        backend.Set(InferenceStatus.Ready("stories260K"));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task Ready_Is200_InDemoMode()
    {
        using var client = Client(new(InferenceStatus.Demo("no model configured")));

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready")).StatusCode);
    }
}
