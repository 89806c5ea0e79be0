using Bunit;
using ChatWeb.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Storage;
using ChatWeb.Tests.Api;
using ChatWeb.Tests.Components;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Chat;

/// <summary>The page's conversation service refuses settings out of range itself, whatever a page sends it.</summary>
public sealed class ConversationSettingsTests : IAsyncLifetime
{
    private readonly BunitContext _context = new();
    private ConversationService Conversation => _context.Services.GetRequiredService<ConversationService>();
    private ConversationStore Store => _context.Services.GetRequiredService<ConversationStore>();

    public async Task InitializeAsync()
    {
        _context.Services.AddSingleton<IChatClient>(new RecordingChatClient { Reply = ["ok"] });
        _context.Services.AddSingleton<IInferenceStatus>(new FakeInferenceStatus(InferenceStatus.Demo("test")));
        _context.Services.AddChatSurfaceForTests();
        _context.Services.AddChatHistoryForTests();
        await Conversation.ShowAsync(null);
        Conversation.Draft = "hello";
        await Conversation.SendAsync(); // the conversation is stored, so settings are saved with it
    }

    public Task DisposeAsync() => _context.DisposeAsync().AsTask();

    [Fact]
    public void InRangeSettings_AreSavedWithTheConversation()
    {
        Conversation.ChangeSettings(Conversation.Settings with { Temperature = 1.5f, MaxNewTokens = 100 });

        var stored = ChatHistory.SettingsOf(Assert.Single(Store.List("test-session")));
        Assert.Equal(1.5f, stored.Temperature);
        Assert.Equal(100, stored.MaxNewTokens);
        Assert.Null(Conversation.Notice);
    }

    [Theory]
    [InlineData(2.5f, null, "Settings not saved: temperature must be between 0 and 2.")]
    [InlineData(null, 0, "Settings not saved: maxTokens must be between 1 and 32768.")]
    public void OutOfRangeSettings_AreRefusedWhole_WithANotice_NotClamped(float? temperature, int? maxTokens, string notice)
    {
        var before = Conversation.Settings;

        Conversation.ChangeSettings(before with { Temperature = temperature ?? before.Temperature, MaxNewTokens = maxTokens ?? before.MaxNewTokens, TopP = 0.5f });

        Assert.Equal(notice, Conversation.Notice);
        Assert.Same(before, Conversation.Settings); // top-p 0.5 in the same change is not taken either
        var stored = ChatHistory.SettingsOf(Assert.Single(Store.List("test-session")));
        Assert.Equal(before.Temperature, stored.Temperature);
        Assert.Equal(before.TopP, stored.TopP);
        Assert.Equal(before.MaxNewTokens, stored.MaxNewTokens);

        Conversation.ChangeSettings(before with { TopP = 0.5f });
        Assert.Null(Conversation.Notice); // an accepted change takes the refusal's notice away
        Assert.Equal(0.5f, Conversation.Settings.TopP);
    }
}
