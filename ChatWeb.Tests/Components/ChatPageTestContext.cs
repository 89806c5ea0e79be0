using Bunit;
using ChatWeb.Components.Pages;
using ChatWeb.Engine.Hosting;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Components;

/// <summary>A bUnit context with what <see cref="ChatPage"/> needs, answering through <paramref name="client"/>.</summary>
public abstract class ChatPageTestContext : ComponentTestContext
{
    /// <summary>The backend's state the page shows: demo mode unless a test sets another.</summary>
    protected FakeInferenceStatus Backend { get; } = new(InferenceStatus.Demo("no model in this test"));

    protected ChatPageTestContext(IChatClient client, string? owner = null)
    {
        Services.AddSingleton(client);
        Services.AddSingleton<IInferenceStatus>(Backend);
        Services.AddSingleton(ChatWeb.Inference.Remote.RemoteBackends.None());
        Services.AddSingleton<ChatWeb.Inference.ModelCatalog>();
        Services.AddChatHistoryForTests(owner ?? "test-session");
        RenderInteractively();
    }

    /// <summary>Types the prompt and presses Enter, as a person does.</summary>
    protected static void Send(IRenderedComponent<ChatPage> page, string prompt)
    {
        page.WaitForAssertion(() => Assert.False(page.Find("#prompt").HasAttribute("disabled"))); // the composer is ready
        page.Find("#prompt").Input(prompt);
        // bUnit does not wait for the input's handlers: Enter goes once the composer holds the text (Send enabled),
        // or at once while an answer streams (Enter is then refused, as for a person)
        page.WaitForAssertion(() => Assert.True(page.FindAll("button.stop").Count > 0 || !page.Find("button.send").HasAttribute("disabled")));
        page.Find("#prompt").KeyDown(new KeyboardEventArgs { Key = "Enter" });
    }

    /// <summary>Waits until the page is answering, lets <paramref name="client"/> answer <paramref name="text"/>, and waits for the answer to end.</summary>
    private protected static void Answer(IRenderedComponent<ChatPage> page, ScriptedChatClient client, string text)
    {
        page.WaitForAssertion(() => Assert.NotNull(page.Find("button.stop"))); // the page is answering
        client.Write(text);
        client.Complete();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("button.send")));
    }
}
