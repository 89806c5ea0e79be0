using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Bunit;
using ChatWeb.Components.Pages;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Scheduling;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

/// <summary>The chat page tells a waiting user where the request stands, and a busy server is a message that keeps the prompt.</summary>
public sealed class ChatPageProgressTests : ChatPageTestContext
{
    private readonly ProgressChatClient _client;

    public ChatPageProgressTests() : this(new ProgressChatClient()) { }

    private ChatPageProgressTests(ProgressChatClient client) : base(client) => _client = client;

    [Fact]
    public void QueuePlace_ThenPromptProgress_ThenTheAnswerReplacesThem()
    {
        var page = Render<ChatPage>();
        Send(page, "Hello");

        _client.Progress(new GenerationProgress(GenerationState.Queued, 3, TimeSpan.FromSeconds(11.2), 0, 40, 0, 0));
        page.WaitForAssertion(() => Assert.Equal("3rd in queue (about 12 s)", page.Find(".generation-progress").TextContent.Trim()));

        _client.Progress(new GenerationProgress(GenerationState.Prompt, 0, null, 16, 40, 0, 0));
        page.WaitForAssertion(() => Assert.Equal("Reading the conversation: 16 of 40 tokens", page.Find(".generation-progress").TextContent.Trim()));

        _client.Text("Hi");
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".generation-progress")));

        _client.Progress(new GenerationProgress(GenerationState.Decode, 0, null, 40, 40, 16, 12.34));
        page.WaitForAssertion(() => Assert.Equal("12.3 tokens/s", page.Find(".generation-progress").TextContent.Trim()));

        _client.Complete();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".generation-progress")));
    }

    [Fact]
    public void BusyServer_SaysWhenToTryAgain_AndKeepsThePrompt()
    {
        _client.FailWith = new ServerBusyException(TimeSpan.FromSeconds(7));
        var page = Render<ChatPage>();
        Send(page, "Are you there?");

        page.WaitForAssertion(() => Assert.Contains("The server is busy; try again in 7 s.", page.Find(".turn-failure").TextContent));
        Assert.Equal("Are you there?", page.Find("#prompt").GetAttribute("value"));
        Assert.Empty(page.FindAll(".message")); // the prompt is kept once, in the box
        Assert.NotNull(page.Find(".turn-failure button.retry"));
    }

    [Theory]
    [InlineData(1, "1st in queue")]
    [InlineData(2, "2nd in queue")]
    [InlineData(11, "11th in queue")]
    [InlineData(23, "23rd in queue")]
    public void QueuePlaces_ReadAsOrdinals(int place, string expected) =>
        Assert.Equal(expected, ProgressText.Describe(new GenerationProgress(GenerationState.Queued, place, null, 0, 1, 0, 0)));

    private sealed class ProgressChatClient : IChatClient
    {
        private readonly Channel<ChatResponseUpdate> _updates = Channel.CreateUnbounded<ChatResponseUpdate>();

        public Exception? FailWith { get; set; }

        public void Progress(GenerationProgress progress) =>
            _updates.Writer.TryWrite(new ChatResponseUpdate { Role = ChatRole.Assistant }.WithProgress(progress));

        public void Text(string text) => _updates.Writer.TryWrite(new ChatResponseUpdate(ChatRole.Assistant, text));

        public void Complete() => _updates.Writer.TryComplete();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
            CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages,
            ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (FailWith is not null)
                throw FailWith;
            await foreach (var update in _updates.Reader.ReadAllAsync(cancellationToken))
                yield return update;
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
