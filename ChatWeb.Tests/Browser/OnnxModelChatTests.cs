using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatWeb.Tests.Browser;

/// <summary>ChatWeb started with stories260K as an ONNX Runtime GenAI folder (ChatWeb:Model:Path), run by ONNX Runtime on the CPU.</summary>
public sealed class OnnxStoriesBrowserFixture : BrowserFixture
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["ChatWeb:Model:Path"] = TestPaths.Model("stories260K-onnx"),
        ["ChatWeb:Model:Threads"] = "1",
    };
}

/// <summary>Runs on its own, after the parallel tests, so two Chromiums and two apps do not compete for the CPU.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OnnxStoriesBrowserCollection : ICollectionFixture<OnnxStoriesBrowserFixture>
{
    public const string Name = "browser-stories260K-onnx";
}

[Collection(OnnxStoriesBrowserCollection.Name)]
public sealed class OnnxModelChatTests(OnnxStoriesBrowserFixture fixture)
{
    [Fact]
    public async Task ChatPage_StreamsTheStoryFromOnnxRuntime_AndNamesTheModel()
    {
        var page = await fixture.OpenChatAsync();
        await Expect(page.Locator(".model-name")).ToContainTextAsync("stories260K-onnx", new() { Timeout = 60_000 });
        await Expect(page.Locator(".demo-banner")).ToHaveCountAsync(0);

        await ModelStory.StreamsAStoryAsync(page, fixture.App);
    }
}
