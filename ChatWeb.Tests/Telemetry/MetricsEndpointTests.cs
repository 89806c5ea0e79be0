using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using ChatWeb.Tests.Admin;
using ChatWeb.Tests;
using ChatWeb.Tests.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Telemetry;

/// <summary>
/// GET /metrics: Prometheus text for whoever the API admits (a key; this machine while no keys are configured) and
/// signed-in admins; 401 or 403 for everyone else. The in-memory test server has no remote address, so its callers
/// are not loopback unless a test says they are.
/// </summary>
public sealed class MetricsEndpointTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task AfterAChat_AScrapeWithAKey_ListsTheRequestAndChatMetrics_AsPrometheusText()
    {
        using var client = factory.CreateKeyedClient();
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/chat/sync", new { message = "Say hello" })).StatusCode);

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        PrometheusText.AssertWellFormed(text);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text);
        Assert.True(PrometheusText.Sum(text, "gen_ai_client_operation_duration_seconds_count") >= 1, text);
        Assert.True(PrometheusText.Sum(text, "gen_ai_client_token_usage_count") >= 2, text); // input and output tokens
    }

    [Theory]
    [InlineData(null, "Send an API key")]
    [InlineData("wrong-key", "The API key is not valid")]
    public async Task ARemoteCallerWithoutAValidKey_Gets401_SayingHowToGetIn(string? key, string reason)
    {
        using var client = factory.CreateClient();
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains(reason, body);
        Assert.DoesNotContain("# TYPE", body);
    }

    [Fact]
    public async Task ALoopbackCaller_WithKeysConfigured_NeedsAKeyToo_AsForTheApi()
    {
        using var client = factory.WithWebHostBuilder(b => b.ConfigureTestServices(LoopbackCaller.Add)).CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task ALoopbackCaller_WithNoKeysConfigured_GetsTheMetrics()
    {
        using var folder = new TempDataFolder();
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            b.UseSetting("ChatWeb:Storage:DataFolder", folder.Path);
            b.ConfigureTestServices(LoopbackCaller.Add);
        });
        using var client = app.CreateClient();

        var response = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        PrometheusText.AssertWellFormed(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ASignedInAdmin_GetsTheMetrics_AndASignedInNonAdmin_Gets403()
    {
        using var app = new ChatWebFactory();
        using var admin = app.NewBrowser();
        using var viewer = app.NewBrowser();
        await FormPost.SignInAsync(admin, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);
        await FormPost.SignInAsync(viewer, ChatWebFactory.ViewerName, ChatWebFactory.ViewerPassword);

        var asAdmin = await admin.GetAsync("/metrics");
        var asViewer = await viewer.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.OK, asAdmin.StatusCode);
        Assert.Contains("# TYPE", await asAdmin.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, asViewer.StatusCode);
        Assert.Contains("may not read /metrics", await asViewer.Content.ReadAsStringAsync());
    }

    /// <summary>Makes every request come from 127.0.0.1, as a caller on the server's own machine would.</summary>
    private sealed class LoopbackCaller : IStartupFilter
    {
        public static void Add(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new LoopbackCaller());

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Loopback;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
