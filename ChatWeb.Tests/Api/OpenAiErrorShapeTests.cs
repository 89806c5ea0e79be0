using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace ChatWeb.Tests.Api;

/// <summary>What OpenAI clients expect of /v1's shapes: every error has message/type/param/code (nulls kept), bad input is a 400 never a 500, and the optional fields strict clients read are there.</summary>
public sealed class OpenAiErrorShapeTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private const string Good = "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private static JsonElement AssertOpenAiError(JsonElement body)
    {
        var error = body.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.True(error.TryGetProperty("param", out _), "param is missing");
        Assert.True(error.TryGetProperty("code", out _), "code is missing");
        return error;
    }

    [Theory]
    [InlineData("{\"model\":\"demo\",\"messages\":[null]}", "messages[0]")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":5}]}]}", "messages[0].content")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"\\ud800\"}]}", "messages[0].content")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"\\ud800\"}]}]}", "messages[0].content[0].text")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stop\":\"\\udc00\"}", "stop")]
    [InlineData("{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stop\":[\"\\ud800\"]}", "stop[0]")]
    [InlineData("{\"model\":\"\\ud800\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}", "model")]
    public async Task MalformedInput_Is400_WithAnOpenAiError_NamingTheParameter(string json, string param)
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = AssertOpenAiError(await response.Content.ReadFromJsonAsync<JsonElement>());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Theory]
    [InlineData("content")]
    [InlineData("part")]
    [InlineData("stop")]
    public async Task InvalidUtf8_Is400_NotA500(string where)
    {
        using var client = factory.CreateKeyedClient();
        var template = where switch
        {
            "content" => "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"a@b\"}]}",
            "part" => "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"a@b\"}]}]}",
            _ => "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"stop\":\"a@b\"}",
        };
        var bytes = Encoding.UTF8.GetBytes(template);
        bytes[Array.IndexOf(bytes, (byte)'@')] = 0xC3; // a lead byte followed by an ASCII byte: not UTF-8
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new("application/json");

        var response = await client.PostAsync("/v1/chat/completions", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        AssertOpenAiError(await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task ErrorBodies_KeepNullParamAndCode()
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsync("/v1/chat/completions", new StringContent("[]", Encoding.UTF8, "application/json"));

        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"param\":null", text);
        Assert.Contains("\"code\":null", text);
    }

    [Fact]
    public async Task UnknownV1Route_Is404_WithAnOpenAiError()
    {
        using var client = factory.CreateKeyedClient();

        var get = await client.GetAsync("/v1/nothing/here");
        var wrongMethod = await client.GetAsync("/v1/chat/completions");

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("unknown_url", AssertOpenAiError(await get.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, wrongMethod.StatusCode);
        AssertOpenAiError(await wrongMethod.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task ModelById_IsTheModel_OrA404WithAnOpenAiError()
    {
        using var client = factory.CreateKeyedClient();

        var demo = await client.GetFromJsonAsync<JsonElement>("/v1/models/demo");
        var missing = await client.GetAsync("/v1/models/gpt-9");

        Assert.Equal("demo", demo.GetProperty("id").GetString());
        Assert.Equal("model", demo.GetProperty("object").GetString());
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        var error = AssertOpenAiError(await missing.Content.ReadFromJsonAsync<JsonElement>());
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ModelList_CreatedIsStable()
    {
        using var client = factory.CreateKeyedClient();

        var first = await client.GetFromJsonAsync<JsonElement>("/v1/models");
        await Task.Delay(1100);
        var second = await client.GetFromJsonAsync<JsonElement>("/v1/models");

        Assert.Equal(first.GetProperty("data")[0].GetProperty("created").GetInt64(), second.GetProperty("data")[0].GetProperty("created").GetInt64());
    }

    [Fact]
    public async Task WholeCompletion_HasFingerprint_LogprobsNull_AndRefusalNull()
    {
        using var client = factory.CreateKeyedClient();

        var response = await client.PostAsync("/v1/chat/completions", new StringContent(Good, Encoding.UTF8, "application/json"));

        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.StartsWith("fp_", body.GetProperty("system_fingerprint").GetString());
        var choice = body.GetProperty("choices")[0];
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("logprobs").ValueKind);
        Assert.Equal(JsonValueKind.Null, choice.GetProperty("message").GetProperty("refusal").ValueKind);
    }

    [Fact]
    public async Task StreamedChunks_CarryFinishReasonNull_UntilTheLast_AndLogprobsNull()
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsync("/v1/chat/completions",
            new StringContent(Good.TrimEnd('}') + ",\"stream\":true}", Encoding.UTF8, "application/json"));

        var chunks = SseReader.Json(await SseReader.ReadDataAsync(response));
        var choices = chunks.Select(c => c.GetProperty("choices")[0]).ToList();
        Assert.All(chunks, c => Assert.StartsWith("fp_", c.GetProperty("system_fingerprint").GetString()));
        Assert.All(choices[..^1], c => Assert.Equal(JsonValueKind.Null, c.GetProperty("finish_reason").ValueKind));
        Assert.All(choices, c => Assert.Equal(JsonValueKind.Null, c.GetProperty("logprobs").ValueKind));
        Assert.Equal("stop", choices[^1].GetProperty("finish_reason").GetString());
    }
}
