using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ChatWeb.Tests.Api;

/// <summary>A chain is held to the chat's prompt limit, before and after its placeholders are filled, and its bad input gets 400s.</summary>
[Collection(ServerMemory.Name)]
public sealed class ChainLimitsTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Theory]
    [InlineData("""{"stages":[["hi"],["{{stage99999999999.answer0}}"]]}""", "stages[1][0]", "must name an earlier stage")]
    [InlineData("""{"stages":[["hi"],["{{stage1.answer99999999999}}"]]}""", "stages[1][0]", "stage 1 has 1 prompts")]
    [InlineData("""{"stages":[null,["{{stage1.answer0}}"]]}""", "stages[0]", "A stage holds 1 to 16 prompts")]
    [InlineData("""{"stages":[null]}""", "stages[0]", "A stage holds 1 to 16 prompts")]
    [InlineData("""{"stages":[["\ud800"]]}""", "stages[0][0]", "not valid Unicode")]
    public async Task BadChains_Get400_NamingTheField(string body, string field, string reason)
    {
        using var client = factory.CreateKeyedClient();

        foreach (var path in new[] { "/api/chains/sync", "/api/chains" })
        {
            using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains(reason, problem.GetProperty("errors").GetProperty(field)[0].GetString());
        }
    }

    [Fact]
    public async Task AChainPrompt_LongerThanAChatMessageMayBe_Gets400()
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsJsonAsync("/api/chains/sync", new { stages = new[] { new[] { new string('q', 100_001) } } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("At most 100000 characters (this one has 100001).", problem.GetProperty("errors").GetProperty("stages[0][0]")[0].GetString());
    }

    [Fact]
    public async Task Placeholders_ThatWouldFillAPromptPastTheLimit_AreRefusedBeforeThePromptIsBuilt()
    {
        // Each answer is 20,000 characters; 3,000 placeholders (a 75 KB request) would make a 60-million-character prompt.
        var model = new RecordingChatClient { Reply = [new string('w', 20_000)] };
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());
        var chain = new { stages = new[] { new[] { "Say something long" }, new[] { string.Concat(Enumerable.Repeat("{{stage1.answer0}}", 3_000)) } } };

        HttpResponseMessage? sync = null;
        var growth = await ServerMemory.GrowthAsync(async () => sync = await client.PostAsJsonAsync("/api/chains/sync", chain));
        using var stream = await client.PostAsJsonAsync("/api/chains", chain);
        var events = SseReader.Json(await SseReader.ReadDataAsync(stream));

        Assert.Equal(HttpStatusCode.BadRequest, sync!.StatusCode);
        var reason = (await sync.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").GetProperty("stages[1][0]")[0].GetString();
        Assert.Equal("Stage 2, prompt 0, with its placeholders filled: At most 100000 characters (this one has 60000000).", reason);
        Assert.True(growth < 30_000_000, $"the server's memory grew by {growth / 1_000_000.0:N1} MB");
        Assert.DoesNotContain(model.Requests, r => r.Messages[^1].Text.Length > 100_000);
        Assert.Contains("with its placeholders filled", events[^1].GetProperty("error").GetString());
        sync.Dispose();
    }
}
