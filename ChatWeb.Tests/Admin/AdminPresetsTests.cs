using System.Net;
using ChatWeb.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatWeb.Tests.Admin;

public sealed class AdminPresetsTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    private PresetStore Presets => factory.Services.GetRequiredService<PresetStore>();

    private async Task<HttpClient> AdminAsync()
    {
        var client = factory.NewBrowser();
        await FormPost.SignInAsync(client, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);
        return client;
    }

    [Fact]
    public async Task Create_Edit_Restore_AreSaved_WithWhoDidIt()
    {
        using var client = await AdminAsync();
        var created = await FormPost.SubmitAsync(client, "/admin/presets", "new-preset",
            ("Input.Name", "Tutor"), ("Input.Text", "Teach step by step."), ("Input.Extra", "Use short sentences."));
        Assert.Contains("Created \"Tutor\"", WebUtility.HtmlDecode(await created.Content.ReadAsStringAsync()));
        var tutor = Presets.List().Single(p => p.Name == "Tutor");

        var page = $"/admin/presets/{tutor.Id}";
        var edited = await FormPost.SubmitAsync(client, page, "edit", ("Input.Name", "Tutor"), ("Input.Text", "Teach with examples."), ("Input.Extra", ""));
        var html = WebUtility.HtmlDecode(await edited.Content.ReadAsStringAsync());
        Assert.Contains("Saved as version 2.", html);
        Assert.Contains("Teach with examples.", html); // the preview shows the new prompt

        await FormPost.SubmitAsync(client, page, "restore", ("Version", "1"));

        var restored = Presets.Find(tutor.Id)!;
        Assert.Equal("Teach step by step.", restored.Text);
        Assert.Equal("Use short sentences.", restored.Extra);
        Assert.Equal(3, restored.Version);
        Assert.All(Presets.Versions(tutor.Id), v => Assert.Equal(ChatWebFactory.AdminName, v.EditedBy));
    }

    [Fact]
    public async Task BadInput_GetsAClearMessage_AndTheTypedTextStays()
    {
        using var client = await AdminAsync();
        var longName = new string('n', PresetStore.MaxNameLength + 1);

        var tooLong = await FormPost.SubmitAsync(client, "/admin/presets", "new-preset", ("Input.Name", longName), ("Input.Text", "kept text"));
        var html = WebUtility.HtmlDecode(await tooLong.Content.ReadAsStringAsync());
        Assert.Contains($"at most {PresetStore.MaxNameLength} are allowed", html);
        Assert.Contains("kept text", html);
        // The message sits under the name field, which is marked invalid and keeps the whole typed name (refused, not cut).
        var nameInput = System.Text.RegularExpressions.Regex.Match(html, "<input[^>]*name=\"Input.Name\"[^>]*>").Value;
        Assert.Contains("aria-invalid=\"true\"", nameInput);
        Assert.Contains("aria-describedby=\"preset-name-error\"", nameInput);
        Assert.Contains($"value=\"{longName}\"", nameInput);
        Assert.Matches($"id=\"preset-name-error\">The name has {longName.Length} characters", html);
        Assert.DoesNotContain(Presets.List(), p => p.Text == "kept text");

        var duplicate = await FormPost.SubmitAsync(client, "/admin/presets", "new-preset", ("Input.Name", "default"), ("Input.Text", "x"));
        Assert.Contains("already exists", WebUtility.HtmlDecode(await duplicate.Content.ReadAsStringAsync()));

        var defaultId = Presets.Default().Id;
        var delete = await FormPost.SubmitAsync(client, "/admin/presets", "presets", ("Command", $"delete:{defaultId}"));
        Assert.Contains("is the default preset and cannot be deleted", WebUtility.HtmlDecode(await delete.Content.ReadAsStringAsync()));
        Assert.NotNull(Presets.Find(defaultId));
    }

    [Fact]
    public async Task SetDefault_Reorder_AndDelete()
    {
        using var client = await AdminAsync();
        var first = Presets.Create("First " + Guid.NewGuid().ToString("N")[..6], "one", "", "test");
        var second = Presets.Create("Second " + Guid.NewGuid().ToString("N")[..6], "two", "", "test");
        var oldDefault = Presets.Default();

        await FormPost.SubmitAsync(client, "/admin/presets", "presets", ("Command", $"up:{second.Id}"));
        var order = Presets.List().Select(p => p.Id).ToList();
        Assert.True(order.IndexOf(second.Id) < order.IndexOf(first.Id));

        await FormPost.SubmitAsync(client, "/admin/presets", "presets", ("Command", $"default:{second.Id}"));
        Assert.Equal(second.Id, Presets.Default().Id);

        await FormPost.SubmitAsync(client, "/admin/presets", "presets", ("Command", $"delete:{first.Id}"));
        Assert.Null(Presets.Find(first.Id));

        Presets.SetDefault(oldDefault.Id);
    }
}
