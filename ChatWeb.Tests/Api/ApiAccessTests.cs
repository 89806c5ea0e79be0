using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;

namespace ChatWeb.Tests.Api;

public sealed class ApiAccessTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Theory]
    [InlineData(null, "Send an API key")]
    [InlineData("wrong-key", "The API key is not valid")]
    public async Task MissingOrWrongKey_Gets401_SayingWhy(string? key, string reason)
    {
        using var client = factory.CreateClient();
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        foreach (var request in new[]
        {
            new HttpRequestMessage(HttpMethod.Post, "/api/chat/sync") { Content = JsonContent.Create(new { message = "Hi" }) },
            new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(new { model = "demo" }) },
            new HttpRequestMessage(HttpMethod.Get, "/v1/models"),
            new HttpRequestMessage(HttpMethod.Get, "/ws/chat"),
        })
        {
            var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task WithNoKeysConfigured_RemoteCallersAreRefused_WithHowToOpenIt()
    {
        // The in-memory test server has no remote address, so it is not loopback.
        // (The OpenAI client tests show loopback callers get in when no keys are configured.)
        using var app = new ChatWebFactory { ApiKeys = false };
        using var client = app.CreateClient();

        var response = await client.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Contains("ChatWeb:Api:Keys", error.GetProperty("message").GetString());
        Assert.Equal("invalid_api_key", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task PastTheLimitPerKey_Gets429_WithRetryAfter()
    {
        using var client = ChatWebFactory.Keyed(factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:RequestsPerMinutePerKey"] = "2",
        }).CreateClient());

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage last = null!;
        for (var i = 0; i < 3; i++)
        {
            last = await client.GetAsync("/api/presets");
            statuses.Add(last.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.InRange(last.Headers.RetryAfter!.Delta!.Value.TotalSeconds, 1, 60);
        Assert.Contains("Too many requests", await last.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task PastTheLimitPerIp_WithoutAValidKey_Gets429_EvenForRefusedRequests()
    {
        using var client = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:RequestsPerMinutePerIp"] = "2",
        }).CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
            statuses.Add((await client.GetAsync("/v1/models")).StatusCode);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    [Fact]
    public async Task TheBrowserPagesAndHealth_NeedNoKey_AndAreNotRateLimited()
    {
        using var client = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:RequestsPerMinutePerIp"] = "1",
        }).CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        }
    }

    [Fact]
    public async Task Cors_IsOffByDefault_AndAllowsOnlyConfiguredOrigins()
    {
        using var closed = factory.CreateClient();
        using var open = factory.With(settings: new Dictionary<string, string>
        {
            ["ChatWeb:Api:CorsOrigins:0"] = "https://tools.example",
        }).CreateClient();

        Assert.False((await Preflight(closed, "https://tools.example")).Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Equal("https://tools.example", (await Preflight(open, "https://tools.example")).Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.False((await Preflight(open, "https://evil.example")).Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("not-a-hash")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    public void AKeyWithoutAValidHash_StopsTheAppAtStart_SayingHowToFixIt(string hash)
    {
        var bad = factory.With(settings: new Dictionary<string, string> { ["ChatWeb:Api:Keys:0:Sha256"] = hash });

        var error = Assert.ThrowsAny<OptionsValidationException>(() => bad.CreateClient());

        Assert.Contains("sha256sum", error.Message);
    }

    private static Task<HttpResponseMessage> Preflight(HttpClient client, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/api/chat");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return client.SendAsync(request);
    }
}
