using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using OpenAI;
using OpenAI.Chat;

namespace ChatWeb.Tests.Api;

/// <summary>
/// The official OpenAI .NET client against ChatWeb running stories260K (served as "storyteller" through
/// ChatWeb:Model:Alias): structured output by JSON schema, logprobs, and /v1/completions streamed.
/// </summary>
public sealed class OpenAiFeaturesTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>, IDisposable
{
    private readonly WebApplicationFactory<Program> _app = factory.WithWebHostBuilder(b =>
    {
        b.UseSetting("ChatWeb:Model:Path", TestPaths.Model("stories260K", "stories260K.gguf"));
        b.UseSetting("ChatWeb:Model:Alias", "storyteller");
        b.UseSetting("ChatWeb:Model:Threads", "1");
    });

    public void Dispose() => _app.Dispose();

    private async Task<HttpClient> ReadyClientAsync()
    {
        var http = ChatWebFactory.Keyed(_app.CreateClient());
        for (var i = 0; i < 600 && (await http.GetFromJsonAsync<JsonElement>("/health")).GetProperty("state").GetString() != "ready"; i++)
            await Task.Delay(100);
        return http;
    }

    private async Task<ChatClient> OfficialClientAsync() => new("storyteller", new ApiKeyCredential(ChatWebFactory.Key), new OpenAIClientOptions
    {
        Endpoint = new Uri(_app.Server.BaseAddress, "v1"),
        Transport = new HttpClientPipelineTransport(await ReadyClientAsync()),
    });

    [Fact]
    public async Task OfficialClient_JsonSchema_GivesJsonThatValidates()
    {
        var schema = """
            {"type":"object","properties":{"hero":{"type":"string","maxLength":12},"brave":{"type":"boolean"},"age":{"type":"integer"}},
             "required":["hero","brave","age"],"additionalProperties":false}
            """;
        var client = await OfficialClientAsync();

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Once upon a time")], new ChatCompletionOptions
        {
            ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("story", BinaryData.FromString(schema), jsonSchemaIsStrict: true),
            MaxOutputTokenCount = 300,
            Temperature = 1f,
        });

        using var answer = JsonDocument.Parse(completion.Content[0].Text);
        Assert.Null(Engine.Constraints.SchemaCheck.Problem(answer.RootElement, JsonDocument.Parse(schema).RootElement));
        Assert.Equal("storyteller", completion.Model);
    }

    [Fact]
    public async Task OfficialClient_Logprobs_OnePerToken_WithTheTopAlternatives()
    {
        var client = await OfficialClientAsync();

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Once upon a time")], new ChatCompletionOptions
        {
            IncludeLogProbabilities = true,
            TopLogProbabilityCount = 2,
            MaxOutputTokenCount = 10,
            Temperature = 0,
        });

        Assert.Equal(10, completion.ContentTokenLogProbabilities.Count);
        Assert.All(completion.ContentTokenLogProbabilities, t =>
        {
            Assert.Equal(2, t.TopLogProbabilities.Count);
            Assert.True(t.LogProbability <= 0);
        });
    }

    [Fact]
    public async Task OfficialClient_RequiredTool_GivesACallWithValidArguments_AndTheResultCanBeSentBack()
    {
        var parameters = """
            {"type":"object","properties":{"city":{"type":"string","maxLength":15},"days":{"type":"integer"}},"required":["city","days"],"additionalProperties":false}
            """;
        var client = await OfficialClientAsync();
        var tool = ChatTool.CreateFunctionTool("forecast", "The weather forecast", BinaryData.FromString(parameters), functionSchemaIsStrict: true);
        List<ChatMessage> history = [new UserChatMessage("Once upon a time")];

        ChatCompletion completion = await client.CompleteChatAsync(history, new ChatCompletionOptions
        {
            Tools = { tool },
            ToolChoice = ChatToolChoice.CreateRequiredChoice(),
            MaxOutputTokenCount = 300,
            Temperature = 1f,
        });

        Assert.Equal(ChatFinishReason.ToolCalls, completion.FinishReason);
        var call = Assert.Single(completion.ToolCalls);
        Assert.Equal("forecast", call.FunctionName);
        using var arguments = JsonDocument.Parse(call.FunctionArguments.ToString());
        Assert.Null(Engine.Constraints.SchemaCheck.Problem(arguments.RootElement, JsonDocument.Parse(parameters).RootElement));

        history.Add(new AssistantChatMessage(completion));
        history.Add(new ToolChatMessage(call.Id, "Sunny"));
        ChatCompletion next = await client.CompleteChatAsync(history, new ChatCompletionOptions { Tools = { tool }, MaxOutputTokenCount = 5 });
        Assert.NotNull(next.Content);
    }

    [Fact]
    public async Task StreamedToolCall_ComesAsOneDeltaWithItsIndex_ThenFinishReasonToolCalls()
    {
        using var http = await ReadyClientAsync();

        using var response = await http.PostAsync("/v1/chat/completions", new StringContent("""
            {"model":"storyteller","stream":true,"max_tokens":200,"messages":[{"role":"user","content":"Once"}],
             "tools":[{"type":"function","function":{"name":"ping","parameters":{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}}}],
             "tool_choice":{"type":"function","function":{"name":"ping"}}}
            """, Encoding.UTF8, "application/json"));

        var choices = SseReader.Json(await SseReader.ReadDataAsync(response)).Select(c => c.GetProperty("choices")[0]).ToList();
        var call = Assert.Single(choices.Where(c => c.GetProperty("delta").TryGetProperty("tool_calls", out _))).GetProperty("delta").GetProperty("tool_calls")[0];
        Assert.Equal(0, call.GetProperty("index").GetInt32());
        Assert.Equal("function", call.GetProperty("type").GetString());
        Assert.Equal("ping", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Contains(JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("ok").ValueKind, new[] { JsonValueKind.True, JsonValueKind.False });
        Assert.Equal("tool_calls", choices[^1].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"nope\"}}}", "tool_choice")]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}", "messages[0].tool_call_id")]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"a\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{oops\"}}]}]}", "messages[0].tool_calls")]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":{\"type\":\"string\",\"pattern\":\"a\"}}}],\"tool_choice\":\"required\"}", "tools")]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"logprobs\":true,\"top_logprobs\":21}", "top_logprobs")]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"response_format\":{\"type\":\"sound\"}}", "response_format.type")]
    [InlineData("{\"model\":\"storyteller\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"sound\"}}}}", "response_format.json_schema.schema")]
    public async Task InvalidOptions_Are400_NamingTheParameter(string body, string param)
    {
        using var http = await ReadyClientAsync();

        var response = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task TextCompletion_Streams_TheModelsOwnContinuation()
    {
        using var http = await ReadyClientAsync();

        using var response = await http.PostAsJsonAsync("/v1/completions", new
        {
            model = "storyteller",
            prompt = "Once upon a time",
            max_tokens = 12,
            temperature = 0,
            stream = true,
        });

        var chunks = SseReader.Json(await SseReader.ReadDataAsync(response));
        Assert.All(chunks, c => Assert.Equal("text_completion", c.GetProperty("object").GetString()));
        var text = string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.StartsWith(", there was a little", text.TrimStart()); // the story the model tells from that prompt
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ModelById_AnswersForTheAlias()
    {
        using var http = await ReadyClientAsync();

        var model = await http.GetFromJsonAsync<JsonElement>("/v1/models/storyteller");

        Assert.Equal("storyteller", model.GetProperty("id").GetString());
    }
}
