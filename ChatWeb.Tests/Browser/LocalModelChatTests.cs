using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>ChatWeb started with a real model file (stories260K) configured by ChatWeb:Model:Path.</summary>
public sealed class Stories260KBrowserFixture : BrowserFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["ChatWeb:Model:Path"] = TestPaths.Model("stories260K", "stories260K.gguf"),
    };
}

/// <summary>Runs on its own, after the parallel tests, so two Chromiums and two apps do not compete for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class Stories260KBrowserCollection : ICollectionFixture<Stories260KBrowserFixture>
{
    public const string Name = "browser-stories260K";
}

[Collection(Stories260KBrowserCollection.Name)]
public sealed class LocalModelChatTests(Stories260KBrowserFixture fixture)
{
    [Fact]
    public async Task ChatPage_StreamsTheModelsStory_AndNamesTheModel()
    {
        var page = await fixture.OpenChatAsync();
        await Expect(page.Locator(".model-name")).ToBeVisibleAsync();
        await Expect(page.Locator(".demo-banner")).ToHaveCountAsync(0);

        await ModelStory.StreamsAStoryAsync(page, fixture.App);
    }
}
