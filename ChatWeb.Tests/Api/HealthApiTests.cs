using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatWeb.Tests.Admin;

namespace ChatWeb.Tests.Api;

public sealed class HealthApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task Health_Returns200_NamingTheBackend_AndWhetherAModelIsLoaded()
    {
        using var client = factory.CreateClient();
        var response = await client.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("demo", body.GetProperty("backend").GetString());
        Assert.False(body.GetProperty("modelLoaded").GetBoolean());
        Assert.Contains("ChatWeb:Model:Path", body.GetProperty("reason").GetString());
    }
}
