using System.Net.Http.Json;
using System.Text.Json;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Local;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Inference;

/// <summary>ChatWeb:Model:Path decides the backend; a bad path leaves the app running in demo mode, saying why.</summary>
public sealed class ModelRegistrationTests
{
    private static WebApplicationFactory<Program> App(string? modelPath) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
        {
            if (modelPath is not null) b.UseSetting("ChatWeb:Model:Path", modelPath);
        });

    /// <summary>/health once the background load has ended (the model is ready, or the app is in demo mode).</summary>
    private static async Task<JsonElement> HealthWhenLoadedAsync(WebApplicationFactory<Program> app)
    {
        using var client = app.CreateClient(); // starts the app, and with it the load
        await app.Services.GetRequiredService<ModelHost>().LoadAsync();
        return await client.GetFromJsonAsync<JsonElement>("/health");
    }

    [Fact]
    public async Task ValidModel_IsTheChatClient_AndHealthNamesIt()
    {
        await using var app = App(TestPaths.Model("stories260K", "stories260K.gguf"));
        var health = await HealthWhenLoadedAsync(app);

        Assert.Equal("ready", health.GetProperty("state").GetString());
        Assert.Equal("gguf", health.GetProperty("backend").GetString());
        Assert.True(health.GetProperty("modelLoaded").GetBoolean());
        Assert.False(string.IsNullOrEmpty(health.GetProperty("model").GetString()));
        Assert.Equal(JsonValueKind.Null, health.GetProperty("loading").ValueKind);
        Assert.NotNull(app.Services.GetRequiredService<IChatClient>().GetService<GgufChatClient>());
    }

    [Fact]
    public async Task ValidModel_CountsTokensWithItsTokenizer_AndReportsItsContextWindow()
    {
        await using var app = App(TestPaths.Model("stories260K", "stories260K.gguf"));
        await HealthWhenLoadedAsync(app);
        var counter = app.Services.GetRequiredService<ITokenCounter>();
        var model = (LocalModel)app.Services.GetRequiredService<ModelHost>().Loaded!.Model;

        Assert.True(counter.IsExact);
        const string text = "a b c d e f g h";
        Assert.Equal(model.Tokenizer.Encode(text).Count, counter.Count(text));
        Assert.NotEqual((text.Length + 3) / 4, counter.Count(text)); // not the four-characters estimate
        Assert.Equal(Math.Min(4096, model.Transformer.Config.ContextLength), counter.ContextTokens);
    }

    [Fact]
    public async Task ModelOnTheCommandLine_IsLoaded()
    {
        // "--model <file>" arrives in configuration as the key "model".
        await using var app = new WebApplicationFactory<Program>().WithWebHostBuilder(b =>
            b.UseSetting("model", TestPaths.Model("stories260K", "stories260K.gguf")));
        Assert.True((await HealthWhenLoadedAsync(app)).GetProperty("modelLoaded").GetBoolean());
    }

    [Fact]
    public async Task MissingFile_StartsInDemoMode_AtOnce_AndHealthSaysWhy()
    {
        await using var app = App("/nonexistent/missing.gguf");
        var health = await app.CreateClient().GetFromJsonAsync<JsonElement>("/health"); // no load to wait for

        Assert.Equal("demo", health.GetProperty("state").GetString());
        Assert.Equal("demo", health.GetProperty("backend").GetString());
        Assert.False(health.GetProperty("modelLoaded").GetBoolean());
        Assert.Contains("'/nonexistent/missing.gguf' was not found", health.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task FileThatIsNotGguf_EndsInDemoMode_AndHealthSaysWhy()
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatweb-not-a-model-{Guid.NewGuid():N}.gguf");
        await File.WriteAllTextAsync(path, "this is not a GGUF file at all");
        try
        {
            await using var app = App(path);
            var health = await HealthWhenLoadedAsync(app);
            Assert.Equal("demo", health.GetProperty("state").GetString());
            Assert.Equal("demo", health.GetProperty("backend").GetString());
            Assert.Contains("could not be loaded", health.GetProperty("reason").GetString());
        }
        finally
        {
            File.Delete(path);
        }
    }
}
