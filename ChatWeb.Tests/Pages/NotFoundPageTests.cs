using System.Net;
using ChatWeb.Tests.Admin;

namespace ChatWeb.Tests.Pages;

/// <summary>An address with nothing behind it answers 404 with the app's own page, not an empty body.</summary>
public sealed class NotFoundPageTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Theory]
    [InlineData("/no-such-page")]
    [InlineData("/c/not-a-conversation/extra")]
    public async Task AnUnknownAddress_Answers404_WithAWayBackToTheChat(string address)
    {
        using var client = factory.CreateClient();

        using var response = await client.GetAsync(address);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("There is nothing at this address", body);
        Assert.Contains("href=\"/\"", body);
    }
}
