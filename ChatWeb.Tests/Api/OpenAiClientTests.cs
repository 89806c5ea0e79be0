using System.ClientModel;
using System.Text;
using ChatWeb.Tests.Browser;
using OpenAI;
using OpenAI.Chat;

namespace ChatWeb.Tests.Api;

/// <summary>The official OpenAI .NET client against the running app (its own process, no API keys: loopback is open).</summary>
public sealed class OpenAiClientTests : IAsyncLifetime
{
    private AppServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await AppServer.StartAsync(new Dictionary<string, string> { ["ChatWeb:Demo:WordDelayMs"] = "1" });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ChatClient Client() => new("demo", new ApiKeyCredential("any-key-on-loopback"),
        new OpenAIClientOptions { Endpoint = new Uri(_server.BaseUri, "v1") });

    [Fact]
    public async Task OfficialClient_StreamsAReply()
    {
        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        ChatFinishReason? finish = null;

        await foreach (var update in Client().CompleteChatStreamingAsync(
            [new SystemChatMessage("Be friendly."), new UserChatMessage("Say hello")],
            new ChatCompletionOptions { Temperature = 0.7f, MaxOutputTokenCount = 200 }))
        {
            foreach (var part in update.ContentUpdate)
                text.Append(part.Text);
            usage ??= update.Usage;
            finish ??= update.FinishReason;
        }

        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.NotNull(usage);
        Assert.True(usage.OutputTokenCount > 10);
    }

    [Fact]
    public async Task OfficialClient_GetsAWholeCompletion()
    {
        ChatCompletion completion = await Client().CompleteChatAsync([new UserChatMessage("show me code")]);

        Assert.Contains("```csharp", completion.Content[0].Text);
        Assert.Equal("demo", completion.Model);
    }
}
