using Bunit;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Components.Admin;
using ChatWeb.Storage;
using ChatWeb.Tests.Components;

namespace ChatWeb.Tests.Admin;

public sealed class AdminComponentTests : ComponentTestContext
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 21, 12, 0, 0, TimeSpan.Zero);

    private static Preset Preset(string id, string name, bool isDefault = false, string extra = "") =>
        new(id, name, $"{name} prompt.", extra, 1, isDefault, 3, Noon, "ann");

    private sealed class ExactCounter : ITokenCounter
    {
        public bool IsExact => true;
        public int Count(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
    }

    [Fact]
    public void PresetTable_ShowsTheOrder_TheDefault_AndTheActions()
    {
        var table = Render<PresetTable>(p => p.Add(c => c.Presets, [Preset("a", "Alpha", isDefault: true), Preset("b", "Beta")]));

        var rows = table.FindAll("tbody tr");
        Assert.Equal(["Alpha", "Beta"], rows.Select(r => r.QuerySelector("[data-preset]")!.GetAttribute("data-preset")));
        Assert.NotNull(rows[0].QuerySelector(".default-badge"));
        Assert.Null(rows[1].QuerySelector(".default-badge"));
        Assert.Null(rows[0].QuerySelector("button[value='default:a']"));
        Assert.NotNull(rows[1].QuerySelector("button[value='default:b']"));
        Assert.True(rows[0].QuerySelector("button[value='up:a']")!.HasAttribute("disabled"));
        Assert.True(rows[1].QuerySelector("button[value='down:b']")!.HasAttribute("disabled"));
        Assert.False(rows[0].QuerySelector("button[value='down:a']")!.HasAttribute("disabled"));
        Assert.Contains("ann", rows[0].TextContent);
        Assert.Equal("admin/presets/b", rows[1].QuerySelector("a")!.GetAttribute("href"));
    }

    [Fact]
    public void PresetFields_ShowTheStoresRefusal_UnderTheRefusedField_AndKeepWhatWasTyped()
    {
        var typed = new string('n', PresetStore.MaxNameLength + 1);
        var refusal = new PresetRejectedException($"The name has {typed.Length} characters; at most {PresetStore.MaxNameLength} are allowed.", PresetField.Name);

        var fields = Render<PresetFields>(p => p.Add(c => c.Name, typed).Add(c => c.Text, "kept text").Add(c => c.Refused, refusal));

        var name = fields.Find("input[name='Input.Name']");
        Assert.Equal(typed, name.GetAttribute("value")); // refused, not cut to the limit
        Assert.Equal("true", name.GetAttribute("aria-invalid"));
        Assert.Equal(refusal.Message, fields.Find($"#{name.GetAttribute("aria-describedby")}").TextContent.Trim());
        var text = fields.Find("textarea[name='Input.Text']");
        Assert.Equal("false", text.GetAttribute("aria-invalid"));
        Assert.Equal("At most 16,000 characters.", fields.Find($"#{text.GetAttribute("aria-describedby")}").TextContent.Trim());
        Assert.Equal("Name", fields.Find($"label[for='{name.Id}']").TextContent.Trim());
    }

    [Fact]
    public void PresetVersionList_OffersToRestoreOlderVersions_NotTheCurrentOne()
    {
        PresetVersion[] versions =
        [
            new("a", 2, "Alpha", "new text", "", "ben", Noon.AddHours(1), "Restored version 1"),
            new("a", 1, "Alpha", "old text", "", "ann", Noon, "Created"),
        ];

        var list = Render<PresetVersionList>(p => p.Add(c => c.Versions, versions).Add(c => c.Current, 2));

        var rows = list.FindAll("tbody tr");
        Assert.Contains("current", rows[0].TextContent);
        Assert.Empty(rows[0].QuerySelectorAll("button"));
        Assert.Equal("1", rows[1].QuerySelector("button[name='Version']")!.GetAttribute("value"));
        Assert.Contains("old text", rows[1].TextContent);
        Assert.Contains("ann", rows[1].TextContent);
        Assert.Contains("2026-11-21 12:00:00", rows[1].TextContent);
    }

    [Fact]
    public void PromptPreview_ShowsTheFinalSystemPrompt_FirstAndWithTheExtraInstructions_AndAnEstimate()
    {
        var preview = Render<PromptPreview>(p => p
            .Add(c => c.Preset, Preset("a", "Pirate", extra: "Say arr."))
            .Add(c => c.Tokens, new EstimatedTokenCounter()));

        var first = preview.FindAll(".preview-messages li")[0];
        Assert.Equal("system", first.GetAttribute("data-role"));
        Assert.Equal("Pirate prompt.\n\nSay arr.", first.QuerySelector("pre")!.TextContent);
        Assert.Equal(1 + PromptPreview.SampleConversation.Length, preview.FindAll(".preview-messages li").Count);
        Assert.Contains("About", preview.Find(".token-count").TextContent);
        Assert.Contains("exact count appears when a model is loaded", preview.Find(".token-count").TextContent);
    }

    [Fact]
    public void PromptPreview_CountsExactly_WhenAModelTokenizerIsThere()
    {
        var preview = Render<PromptPreview>(p => p.Add(c => c.Preset, Preset("a", "Short")).Add(c => c.Tokens, new ExactCounter()));

        var counter = new ExactCounter();
        var expected = new[] { "Short prompt." }.Concat(PromptPreview.SampleConversation.Select(m => m.Text))
            .Sum(t => counter.Count(t) + ContextTrimmer.PerMessageTokens);
        Assert.Equal($"{expected} tokens with the loaded model's tokenizer.", preview.Find(".token-count").TextContent.Trim());
    }
}
