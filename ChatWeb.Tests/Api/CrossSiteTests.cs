using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatWeb.Tests.Api;

/// <summary>
/// What a page of another site, open in a browser on this machine, can make the API do: a "simple"
/// text/plain POST (no CORS preflight) and a WebSocket carry the page's Origin and no key of their own.
/// </summary>
public sealed class CrossSiteTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Theory]
    [InlineData("/api/chat/sync", "{\"message\":\"Hi\"}", "text/plain")]
    [InlineData("/api/chat", "{\"message\":\"Hi\"}", "text/plain;charset=UTF-8")]
    [InlineData("/api/chains/sync", "{\"stages\":[[\"Hi\"]]}", "application/x-www-form-urlencoded")]
    [InlineData("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", "multipart/form-data; boundary=x")]
    [InlineData("/api/chat/sync", "{\"message\":\"Hi\"}", null)]
    public async Task APostThatIsNotDeclaredJson_Gets415_AndRunsNoGeneration(string path, string body, string? contentType)
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await client.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Contains("application/json", await response.Content.ReadAsStringAsync());
        Assert.Empty(model.Requests);
    }

    [Fact]
    public async Task APostDeclaredJson_StillRuns()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        var response = await client.PostAsync("/api/chat/sync",
            new StringContent("{\"message\":\"Hi\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(model.Requests);
    }

    [Fact]
    public async Task ASocketFromAnotherSitesPage_IsRefusedWith403()
    {
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(factory, "http://evil.example"));

        Assert.Contains("403", refused.Message);
    }

    [Theory]
    [InlineData(null)]                          // a program: wscat, an SDK
    [InlineData("http://localhost")]            // this site's own page
    [InlineData("https://tools.example")]       // a configured CORS origin
    public async Task ASocketFromThisSite_AConfiguredOrigin_OrAProgram_Connects(string? origin)
    {
        var app = factory.With(settings: new Dictionary<string, string> { ["ChatWeb:Api:CorsOrigins:0"] = "https://tools.example" });

        using var socket = await ConnectAsync(app, origin);

        await socket.SendAsync(Encoding.UTF8.GetBytes("{\"type\":\"chat\",\"id\":\"a\",\"message\":\"Hi\"}"),
            System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[16 * 1024];
        var first = await socket.ReceiveAsync(buffer, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal("a", JsonDocument.Parse(buffer.AsMemory(0, first.Count)).RootElement.GetProperty("id").GetString());
    }

    private static Task<System.Net.WebSockets.WebSocket> ConnectAsync(WebApplicationFactory<Program> app, string? origin)
    {
        var client = app.Server.CreateWebSocketClient();
        client.ConfigureRequest = request =>
        {
            request.Headers.Authorization = $"Bearer {ChatWebFactory.Key}";
            if (origin is not null)
                request.Headers.Origin = origin;
        };
        var uri = new UriBuilder(app.Server.BaseAddress) { Scheme = "ws", Path = "/ws/chat" }.Uri;
        return client.ConnectAsync(uri, CancellationToken.None);
    }
}
