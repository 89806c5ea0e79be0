using Bunit;
using ChatWeb.Chat;
using ChatWeb.Components.Chat;
using ChatWeb.Components.Pages;
using ChatWeb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

/// <summary>Short notices on the chat page (MudBlazor snackbars): they say what just happened and go by themselves.</summary>
public sealed class ChatPageNoticesTests() : ChatPageTestContext(new ScriptedChatClient(), Owner)
{
    private const string Owner = "test-session";

    private ConversationStore Store => Services.GetRequiredService<ConversationStore>();

    [Fact]
    public void DeletingAConversation_SaysSo_InANotice()
    {
        var chat = Store.Create(Owner, "Old chat");
        var page = Render<ChatPage>();

        page.InvokeAsync(() => page.FindComponent<ConversationList>().Instance.OnDelete.InvokeAsync(chat.Id));

        page.WaitForAssertion(() => Assert.Contains("Conversation deleted", page.Find(".mud-snackbar").TextContent));
        Assert.NotNull(page.Find("[aria-live=polite] .mud-snackbar")); // read out without interrupting
        Assert.Empty(Store.List(Owner));
    }

    [Fact]
    public async Task AConnectionThatComesBack_IsAnnounced_ButNotTheFirstConnection()
    {
        var connection = Services.GetRequiredService<CircuitConnection>();
        var page = Render<ChatPage>();

        await connection.OnConnectionUpAsync(null!, default); // the first connection: nothing to say
        Assert.Empty(page.FindAll(".mud-snackbar"));

        await connection.OnConnectionDownAsync(null!, default);
        await connection.OnConnectionUpAsync(null!, default);

        page.WaitForAssertion(() => Assert.Contains("Connection restored", page.Find(".mud-snackbar").TextContent));
    }
}
