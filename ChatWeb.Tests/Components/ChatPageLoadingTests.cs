using Bunit;
using ChatWeb.Components.Pages;
using ChatWeb.Engine.Hosting;

namespace ChatWeb.Tests.Components;

/// <summary>While the model loads, the chat page shows how far it has come, live; Send asks to wait and keeps the prompt.</summary>
public sealed class ChatPageLoadingTests : ChatPageTestContext
{
    private readonly ScriptedChatClient _client;

    public ChatPageLoadingTests() : this(new ScriptedChatClient()) { }

    private ChatPageLoadingTests(ScriptedChatClient client) : base(client) => _client = client;

    private static InferenceStatus Loading(string stage, long read, long total) =>
        InferenceStatus.LoadingModel("qwen2.5-0.5b", new ModelLoadProgress(stage, read, total));

    [Fact]
    public void WhileLoading_ShowsTheModel_ThePercentAndTheStage_AndUpdatesLive()
    {
        Backend.Set(Loading(ModelLoadProgress.ReadingWeights, 450, 1000));
        var page = Render<ChatPage>();

        Assert.Equal("Loading model qwen2.5-0.5b… 45 %", page.Find(".model-loading strong").TextContent);
        var bar = page.Find("[role=progressbar]");
        Assert.Equal("45", bar.GetAttribute("aria-valuenow"));
        Assert.Equal("Reading the weights into memory", page.Find(".load-stage").TextContent);
        Assert.Empty(page.FindAll(".demo-banner"));

        Backend.Set(Loading(ModelLoadProgress.ReadingWeights, 800, 1000)); // from the loading thread, as the host does
        page.WaitForAssertion(() => Assert.Equal("80", page.Find("[role=progressbar]").GetAttribute("aria-valuenow")));
        Assert.Equal("Loading model qwen2.5-0.5b… 80 %", page.Find(".model-loading strong").TextContent);

        Backend.Set(Loading(ModelLoadProgress.Starting, 1000, 1000));
        page.WaitForAssertion(() => Assert.Equal("Starting the inference scheduler", page.Find(".load-stage").TextContent));

        Backend.Set(InferenceStatus.Ready("Qwen2.5 0.5B Instruct"));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll("[role=progressbar]")));
        Assert.Equal("Qwen2.5 0.5B Instruct", page.Find(".model-name").TextContent);
    }

    [Fact]
    public void LoadingThatFails_SwitchesToDemoMode_WithoutTheSetupAdvice()
    {
        Backend.Set(Loading(ModelLoadProgress.Checking, 0, 1000));
        var page = Render<ChatPage>();
        Assert.Equal("0", page.Find("[role=progressbar]").GetAttribute("aria-valuenow"));

        Backend.Set(InferenceStatus.Demo("The model 'x.gguf' could not be loaded: Tensor 'output_norm.weight' is missing."));

        page.WaitForAssertion(() => Assert.Equal("Demo mode", page.Find(".demo-banner").TextContent.Trim()));
        Assert.Empty(page.FindAll(".model-loading"));
        Assert.DoesNotContain("output_norm", page.Markup); // why is the admin's business: the admin overview says it
    }

    [Fact]
    public void SendWhileLoading_SaysToWait_KeepsThePrompt_AndSendsNothing_ThenSendsOnceReady()
    {
        Backend.Set(Loading(ModelLoadProgress.ReadingWeights, 45, 100));
        var page = Render<ChatPage>();

        Send(page, "Tell me a story");

        Assert.Equal("The model is still loading (45 %); try again in a moment.", page.Find(".chat-notice").TextContent);
        Assert.Equal("Tell me a story", page.Find("textarea").GetAttribute("value"));
        Assert.Empty(page.FindAll(".message"));
        Assert.Empty(_client.Requests);

        Backend.Set(InferenceStatus.Ready("stories260K"));
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".chat-notice"))); // the wait is over: the notice goes

        Send(page, "Tell me a story");
        page.WaitForAssertion(() => Assert.Equal("Tell me a story", page.Find(".message.user .message-text").TextContent.Trim()));
        Assert.Single(_client.Requests);
    }
}
