using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace ChatWeb.Tests.Api;

/// <summary>Text that is not valid Unicode (invalid UTF-8 bytes, an escaped lone surrogate) gets a 400 naming the field, never a 500.</summary>
public sealed class BrokenTextTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [Theory]
    [InlineData("/api/chat/sync", """{"message":"Hi \ud800"}""", "message")]
    [InlineData("/api/chat", """{"message":"Hi","system":"\udc00 be brief"}""", "system")]
    [InlineData("/api/chains/sync", """{"stages":[["ok","\ud800"]]}""", "stages[0][1]")]
    [InlineData("/v1/chat/completions", """{"model":"demo","messages":[{"role":"user","content":"\ud800"}]}""", "messages[0].content")]
    public async Task ALoneSurrogate_Gets400NamingTheField(string path, string body, string field)
    {
        using var client = factory.CreateKeyedClient();

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("not valid Unicode", text);
        Assert.Contains(field, text);
    }

    [Theory]
    [InlineData("/api/chat/sync", "{\"message\":\"Hi ", "\"}")]
    [InlineData("/api/chains/sync", "{\"stages\":[[\"Hi ", "\"]]}")]
    [InlineData("/v1/chat/completions", "{\"model\":\"demo\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi ", "\"}]}")]
    public async Task InvalidUtf8_Gets400(string path, string before, string after)
    {
        using var client = factory.CreateKeyedClient();
        byte[] body = [.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(after)];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await client.PostAsync(path, content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
