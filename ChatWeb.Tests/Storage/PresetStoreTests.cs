using ChatWeb.Storage;

namespace ChatWeb.Tests.Storage;

public class PresetStoreTests : IDisposable
{
    private readonly ITestDatabase _folder;
    private readonly ManualTimeProvider _time = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private readonly PresetStore _store;

    public PresetStoreTests() : this(new TempDataFolder()) { }

    protected PresetStoreTests(ITestDatabase database)
    {
        _folder = database;
        _store = new PresetStore(_folder.Database(), _time);
        _store.EnsureSeeded();
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void FirstRun_SeedsOneDefaultPreset_Once()
    {
        _store.EnsureSeeded();

        var preset = Assert.Single(_store.List());
        Assert.True(preset.IsDefault);
        Assert.Equal(PresetStore.SeedText, _store.Default().SystemPrompt);
    }

    [Fact]
    public void InstancesSeedingTogether_LeaveOneDefaultPreset()
    {
        var fresh = _folder.Database();
        using (var db = fresh.Open())
            db.Execute("DELETE FROM presets");

        Parallel.For(0, 4, _ => new PresetStore(fresh, _time).EnsureSeeded());

        var preset = Assert.Single(_store.List());
        Assert.True(preset.IsDefault);
    }

    [Fact]
    public void SystemPrompt_AppendsTheExtraInstructions_AfterTheMainOne()
    {
        var preset = _store.Create("Pirate", "You are a pirate.", "Always answer in rhyme.", "root");

        Assert.Equal("You are a pirate.\n\nAlways answer in rhyme.", preset.SystemPrompt);
    }

    [Fact]
    public void EveryEdit_IsKeptAsAVersion_WithWhoAndWhen_AndAnOldOneCanBeRestored()
    {
        var preset = _store.Create("Tutor", "Teach step by step.", "", "ann");
        _time.Advance(TimeSpan.FromHours(1));
        _store.Update(preset.Id, "Tutor", "Teach with examples.", "", "ben");
        _store.Update(preset.Id, "Tutor", "Teach with examples.", "", "ben"); // no change, no version

        var restored = _store.Restore(preset.Id, 1, "cat");

        Assert.Equal("Teach step by step.", restored.Text);
        Assert.Equal(3, restored.Version);
        var versions = _store.Versions(preset.Id);
        Assert.Equal([3, 2, 1], versions.Select(v => v.Version));
        Assert.Equal(["cat", "ben", "ann"], versions.Select(v => v.EditedBy));
        Assert.Equal("Restored version 1", versions[0].Note);
        Assert.Equal(_time.GetUtcNow(), versions[1].EditedAt);
    }

    [Fact]
    public void DuplicateNames_AreRefused_IgnoringCase()
    {
        _store.Create("Tutor", "a", "", "ann");
        var other = _store.Create("Coder", "b", "", "ann");

        var create = Assert.Throws<PresetRejectedException>(() => _store.Create("tutor", "c", "", "ann"));
        var rename = Assert.Throws<PresetRejectedException>(() => _store.Update(other.Id, "TUTOR", "b", "", "ann"));

        Assert.Contains("already exists", create.Message);
        Assert.Contains("already exists", rename.Message);
        Assert.Equal("Coder", _store.Find(other.Id)!.Name);
    }

    [Theory]
    [InlineData("", "text", "", "needs a name")]
    [InlineData("name", " ", "", "needs a system prompt")]
    public void EmptyInput_IsRefused(string name, string text, string extra, string message) =>
        Assert.Contains(message, Assert.Throws<PresetRejectedException>(() => _store.Create(name, text, extra, "ann")).Message);

    [Fact]
    public void OverLongInput_IsRefused_SayingTheLimit()
    {
        Assert.Contains("at most 80", Assert.Throws<PresetRejectedException>(() =>
            _store.Create(new string('n', PresetStore.MaxNameLength + 1), "t", "", "ann")).Message);
        Assert.Contains("at most 16,000", Assert.Throws<PresetRejectedException>(() =>
            _store.Create("n", new string('t', PresetStore.MaxTextLength + 1), "", "ann")).Message);
        Assert.Contains("at most 8,000", Assert.Throws<PresetRejectedException>(() =>
            _store.Create("n", "t", new string('e', PresetStore.MaxExtraLength + 1), "ann")).Message);
        Assert.Single(_store.List());
    }

    [Fact]
    public void TheDefault_CannotBeDeleted_UntilAnotherIsTheDefault()
    {
        var first = _store.Default();
        var second = _store.Create("Second", "s", "", "ann");

        var error = Assert.Throws<PresetRejectedException>(() => _store.Delete(first.Id));
        Assert.Contains("default preset and cannot be deleted", error.Message);

        _store.SetDefault(second.Id);
        _store.Delete(first.Id);

        Assert.Equal(second.Id, _store.Default().Id);
        Assert.Single(_store.List());
    }

    [Fact]
    public void Move_ReordersTheList()
    {
        var seed = _store.Default();
        var b = _store.Create("B", "b", "", "ann");
        var c = _store.Create("C", "c", "", "ann");

        _store.Move(c.Id, -1);
        _store.Move(seed.Id, -1); // already first: nothing moves

        Assert.Equal([seed.Id, c.Id, b.Id], _store.List().Select(p => p.Id));
    }

    [Fact]
    public void For_FallsBackToTheDefault_WhenTheChosenPresetIsGone()
    {
        var chosen = _store.Create("Chosen", "c", "", "ann");
        Assert.Equal(chosen.Id, _store.For(chosen.Id).Id);

        _store.Delete(chosen.Id);

        Assert.Equal(_store.Default().Id, _store.For(chosen.Id).Id);
        Assert.Equal(_store.Default().Id, _store.For(null).Id);
    }
}

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class PostgresPresetStoreTests() : PresetStoreTests(new PostgresTestDatabase());
