using ChatWeb.Tests.Api;
using ChatWeb.Tests.Inference;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>
/// ChatWeb as a person runs it (the built executable) with three remote models: "big", a second ChatWeb's demo
/// assistant on a real port; "slow", a second ChatWeb whose model writes one word and waits; "gone", a closed port.
/// </summary>
public sealed class RemoteModelBrowserFixture : BrowserFixture, IDisposable
{
    private readonly ChatWebFactory _big = new();
    private readonly ChatWebFactory _slow = new();
    private readonly string _bigV1, _slowV1, _goneV1 = RemoteServers.ClosedPort();

    internal RecordingChatClient SlowModel { get; } = new() { Hang = true };

    public RemoteModelBrowserFixture()
    {
        (_, _bigV1) = RemoteServers.StartChatWeb(_big);
        (_, _slowV1) = RemoteServers.StartChatWeb(_slow, SlowModel);
    }

    protected override IReadOnlyDictionary<string, string> Settings =>
        new[] { base.Settings, RemoteServers.Backend(0, "big", [_bigV1]), RemoteServers.Backend(1, "slow", [_slowV1]), RemoteServers.Backend(2, "gone", [_goneV1]) }
            .SelectMany(d => d).ToDictionary();

    public void Dispose()
    {
        _big.Dispose();
        _slow.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class RemoteModelBrowserCollection : ICollectionFixture<RemoteModelBrowserFixture>
{
    public const string Name = "browser-remote-models";
}

[Collection(RemoteModelBrowserCollection.Name)]
public sealed class RemoteModelChatTests(RemoteModelBrowserFixture fixture)
{
    private static ILocator Answer(IPage page) => page.Locator(".message.assistant").Last;

    private static ILocator ModelPicker(IPage page) => page.GetByRole(AriaRole.Combobox, new() { Name = "Model" });

    private static async Task ChooseModelAsync(IPage page, string model)
    {
        await ModelPicker(page).ClickAsync();
        await page.GetByRole(AriaRole.Option, new() { Name = model, Exact = true }).ClickAsync();
        await Expect(ModelPicker(page)).ToHaveTextAsync(model);
    }

    private static async Task SendAsync(IPage page, string model, string prompt)
    {
        await ChooseModelAsync(page, model);
        await page.Locator("#prompt").FillAsync(prompt);
        await page.Locator("#prompt").PressAsync("Enter");
    }

    [Fact]
    public async Task PickedRemoteModel_StreamsItsThinkingAndAnswer_AndStaysWithTheConversation()
    {
        var page = await fixture.OpenChatAsync();
        await ModelPicker(page).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveTextAsync(["demo", "big", "slow", "gone"]);
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Option)).ToHaveCountAsync(0);

        await page.GetByRole(AriaRole.Switch, new() { Name = "Think" }).CheckAsync(); // travels to the remote server as reasoning_effort
        await SendAsync(page, "big", "say hello");

        await Expect(Answer(page)).ToHaveAttributeAsync("data-status", "complete");
        await Expect(Answer(page).Locator(".message-text")).ToContainTextAsync("Hello! I am ChatWeb's demo assistant.");
        await Expect(Answer(page).Locator(".thinking-panel")).ToContainTextAsync("Thought");
        await Answer(page).Locator(".thinking-toggle").ClickAsync();
        await Expect(Answer(page).Locator(".thoughts")).ToContainTextAsync("The user");

        // The conversation keeps its model: after a reload the picker still says "big".
        await Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/c/"));
        await page.ReloadAsync();
        await Expect(page.Locator("#prompt")).ToBeEnabledAsync();
        await Expect(ModelPicker(page)).ToHaveTextAsync("big");
    }

    [Fact]
    public async Task Stop_CancelsTheGenerationOnTheRemoteServer()
    {
        var page = await fixture.OpenChatAsync();
        await SendAsync(page, "slow", "take your time");

        await Expect(Answer(page).Locator(".message-text")).ToContainTextAsync("Starting");
        await page.GetByRole(AriaRole.Button, new() { Name = "Stop" }).ClickAsync();

        await fixture.SlowModel.Cancelled.Task.WaitAsync(TimeSpan.FromSeconds(30)); // the second ChatWeb's model saw it
        await Expect(Answer(page)).ToContainTextAsync("Stopped.");
    }

    [Fact]
    public async Task ModelThatCannotBeReached_SaysSo_AndKeepsThePrompt()
    {
        var page = await fixture.OpenChatAsync();
        await SendAsync(page, "gone", "are you there?");

        await Expect(page.Locator(".turn-failure")).ToContainTextAsync("The model 'gone' cannot be reached right now");
        await Expect(page.Locator("#prompt")).ToHaveValueAsync("are you there?");
    }
}
