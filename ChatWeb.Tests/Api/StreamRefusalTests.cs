using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Api;

/// <summary>
/// When the engine refuses a request as it is submitted (queue full, prompt longer than the context), every
/// interface answers with a status code (429 with Retry-After, 400) before any byte, streams included.
/// </summary>
public sealed class StreamRefusalTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private const string ChatBody = """{"message":"Hi"}""";
    private const string ChainBody = """{"stages":[["one","two"]]}""";
    private const string OpenAiStream = """{"model":"demo","stream":true,"messages":[{"role":"user","content":"Hi"}]}""";

    [Theory]
    [InlineData("/api/chat", ChatBody)]
    [InlineData("/api/chat/sync", ChatBody)]
    [InlineData("/api/chains", ChainBody)]
    [InlineData("/api/chains/sync", ChainBody)]
    [InlineData("/v1/chat/completions", OpenAiStream)]
    public async Task AFullQueue_Gets429WithRetryAfter_BeforeAnyByteIsStreamed(string path, string body)
    {
        using var client = ChatWebFactory.Keyed(factory.With(new RefusingChatClient(new ServerBusyException(TimeSpan.FromSeconds(7)))).CreateClient());

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Contains("try again in 7 s", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/api/chat", ChatBody, "message")]
    [InlineData("/api/chat/sync", ChatBody, "message")]
    [InlineData("/api/chains", ChainBody, "stages")]
    [InlineData("/api/chains/sync", ChainBody, "stages")]
    public async Task APromptLongerThanTheContext_Gets400NamingTheField_BeforeAnyByteIsStreamed(string path, string body, string field)
    {
        using var client = ChatWebFactory.Keyed(factory.With(new RefusingChatClient(new PromptTooLongException(5000, 4096))).CreateClient());

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("this server accepts at most 4096", problem.GetProperty("errors").GetProperty(field)[0].GetString());
    }

    [Fact]
    public async Task OpenAiStream_APromptLongerThanTheContext_Gets400ContextLengthExceeded_BeforeAnyChunk()
    {
        using var client = ChatWebFactory.Keyed(factory.With(new RefusingChatClient(new PromptTooLongException(5000, 4096))).CreateClient());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(OpenAiStream, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal("context_length_exceeded", error.GetProperty("code").GetString());
    }

    /// <summary>Refuses every request the way the engine's scheduler does: when the stream is first read.</summary>
    private sealed class RefusingChatClient(Exception refusal) : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw refusal;

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw refusal;
#pragma warning disable CS0162 // an iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose() { }
    }
}
