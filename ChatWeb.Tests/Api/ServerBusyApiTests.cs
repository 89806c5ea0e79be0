using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Api;

/// <summary>A full inference queue answers HTTP 429 with Retry-After and a message that says when to come back.</summary>
public sealed class ServerBusyApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task OpenAiCompletion_WhenTheQueueIsFull_Gets429WithRetryAfter()
    {
        using var app = factory.With(new BusyChatClient());
        using var client = ChatWebFactory.Keyed(app.CreateClient());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(
            """{"model":"demo","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(9), response.Headers.RetryAfter?.Delta);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("server_busy", body);
        Assert.Contains("try again in 9 s", body);
    }

    [Fact]
    public void InvalidInferenceSetting_StopsStartUp_NamingIt()
    {
        using var app = factory.With(settings: new Dictionary<string, string> { ["ChatWeb:Inference:MaxConcurrentSequences"] = "0" });

        var error = Assert.ThrowsAny<Exception>(() => app.CreateClient());

        Assert.Contains("ChatWeb:Inference:MaxConcurrentSequences is 0; it must be between 1 and 256.", error.ToString());
    }

    private sealed class BusyChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new ServerBusyException(TimeSpan.FromSeconds(9));

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new ServerBusyException(TimeSpan.FromSeconds(9));
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
