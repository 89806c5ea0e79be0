using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ChatWeb.Tests.Api;

public sealed class OpenAiApiTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Fact]
    public async Task Completion_ReturnsTheAnswer_WithReasoningContentApart_AndUsage()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        var response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "demo",
            messages = new object[]
            {
                new { role = "system", content = "Be brief." },
                new { role = "user", content = new[] { new { type = "text", text = "Hi" } } },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("Fine answer.", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("Let me see.", choice.GetProperty("message").GetProperty("reasoning_content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(7, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(["Be brief.", "Hi"], model.Requests.Single().Messages.Select(m => m.Text));
    }

    [Fact]
    public async Task StreamingCompletion_SendsChunks_ReasoningThenContent_ThenUsage_ThenDone()
    {
        using var client = ChatWebFactory.Keyed(factory.With(new RecordingChatClient()).CreateClient());

        using var response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "demo",
            stream = true,
            stream_options = new { include_usage = true },
            messages = new[] { new { role = "user", content = "Hi" } },
        });

        var data = await SseReader.ReadDataAsync(response);
        Assert.Equal("[DONE]", data[^1]);
        var chunks = SseReader.Json(data);
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        string Field(string name) => string.Concat(chunks
            .Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta"))
            .Select(d => d.TryGetProperty(name, out var v) ? v.GetString() : ""));
        Assert.Equal("Let me see.", Field("reasoning_content"));
        Assert.Equal("Fine answer.", Field("content"));
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(6, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task ReasoningEffort_MakesTheDemoModelThink_IntoReasoningContent()
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "demo",
            reasoning_effort = "high",
            messages = new[] { new { role = "user", content = "hello" } },
        });

        var message = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0].GetProperty("message");
        Assert.StartsWith("The user wants to see me think.", message.GetProperty("reasoning_content").GetString());
        Assert.StartsWith("Hello!", message.GetProperty("content").GetString());
    }

    [Fact]
    public async Task MaxTokens_EndsTheReplyThere_WithFinishReasonLength()
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "demo",
            max_completion_tokens = 3,
            messages = new[] { new { role = "user", content = "hello" } },
        });

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var choice = body.GetProperty("choices")[0];
        Assert.Equal("Hello! I am ", choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(3, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task SamplingParameters_ReachTheModel()
    {
        var model = new RecordingChatClient();
        using var client = ChatWebFactory.Keyed(factory.With(model).CreateClient());

        var response = await client.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "demo",
            messages = new[] { new { role = "user", content = "Hi" } },
            stop = "END",
            max_tokens = 10,
            max_completion_tokens = 20,
            temperature = 0.5,
            top_p = 0.8,
            seed = 7,
            user = "someone",
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var options = model.Requests.Single().Options!;
        Assert.Equal(["END"], options.StopSequences!);
        Assert.Equal(20, options.MaxOutputTokens);
        Assert.Equal(0.5f, options.Temperature);
        Assert.Equal(0.8f, options.TopP);
        Assert.Equal(7, options.Seed);
    }

    [Theory]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":3}", 400, "temperature")]
    [InlineData("{\"model\":\"demo\",\"messages\":[]}", 400, "messages")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"wizard\",\"content\":\"Hi\"}]}", 400, "messages[0].role")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", 400, "stop")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":\"many\"}", 400, "max_tokens")]
    [InlineData("{\"model\":\"gpt-9\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", 404, "model")]
    public async Task BadRequests_GetOpenAiErrors_NamingTheParameter(string body, int status, string param)
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, (int)response.StatusCode);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Models_ListsTheRunningModel()
    {
        using var client = factory.CreateKeyedClient();

        var body = await client.GetFromJsonAsync<JsonElement>("/v1/models");

        Assert.Equal("list", body.GetProperty("object").GetString());
        Assert.Equal("demo", Assert.Single(body.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
    }
}
