using System.Data.Common;
using ChatWeb.ScaleOut;

namespace ChatWeb.Storage;

/// <summary>
/// System prompt presets, kept in the admin's order. Exactly one is the default. Every saved
/// edit becomes a new version (who, when); restoring an old version saves it as the newest. Every change is
/// published as a <see cref="ChangeNotices.Presets"/> notice, so that open pages (of every instance) list the presets anew.
/// </summary>
public sealed class PresetStore(ChatDatabase database, TimeProvider time, ChangeNotices? notices = null)
{
    public const int MaxNameLength = 80;
    public const int MaxTextLength = 16_000;
    public const int MaxExtraLength = 8_000;
    public const string SeedName = "Default";
    public const string SeedText = "You are a helpful assistant. Answer clearly and concisely.";

    public IReadOnlyList<Preset> List()
    {
        using var db = database.Open();
        return db.Query($"{SelectPreset} ORDER BY position, name", ReadPreset);
    }

    public Preset? Find(string id)
    {
        using var db = database.Open();
        return db.Query($"{SelectPreset} WHERE id = $id", ReadPreset, ("$id", id)).SingleOrDefault();
    }

    /// <summary>The default preset; the store seeds one on first run, so there always is one.</summary>
    public Preset Default()
    {
        using var db = database.Open();
        return db.Query($"{SelectPreset} WHERE is_default = 1", ReadPreset).SingleOrDefault()
               ?? throw new InvalidOperationException("No default system prompt preset; the database was not initialised.");
    }

    /// <summary>The preset a conversation uses: its own choice when that still exists, else the default.</summary>
    public Preset For(string? presetId) => (presetId is null ? null : Find(presetId)) ?? Default();

    /// <summary>On first run: one default preset, so that chats have a system prompt.</summary>
    public void EnsureSeeded()
    {
        if (Count() > 0)
            return;
        try
        {
            Create(SeedName, SeedText, "", "ChatWeb");
        }
        catch (Exception ex) when (ex is DbException or PresetRejectedException && Count() > 0)
        {
            // Another instance on the same database seeded it at the same moment.
        }
    }

    private long Count()
    {
        using var db = database.Open();
        return Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM presets"));
    }

    public Preset Create(string name, string text, string extra, string by)
    {
        (name, text, extra) = Validate(name, text, extra);
        var now = time.GetUtcNow();
        var id = Ids.New();
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        EnsureUniqueName(db, transaction, name, exceptId: null);
        var position = Convert.ToInt32(db.Scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM presets", transaction));
        var isDefault = Convert.ToInt64(db.Scalar("SELECT COUNT(*) FROM presets WHERE is_default = 1", transaction)) == 0;
        db.Execute("""
            INSERT INTO presets (id, name, text, extra, position, is_default, version, updated_at, updated_by)
            VALUES ($id, $name, $text, $extra, $position, $default, 1, $now, $by)
            """, transaction, ("$id", id), ("$name", name), ("$text", text), ("$extra", extra), ("$position", position),
            ("$default", isDefault ? 1 : 0), ("$now", now.Ms()), ("$by", by));
        AddVersion(db, transaction, id, 1, name, text, extra, by, now, "Created");
        transaction.Commit();
        notices?.Publish(ChangeNotices.Presets);
        return Find(id)!;
    }

    /// <summary>Saves an edit as a new version; an edit that changes nothing saves nothing.</summary>
    public Preset Update(string id, string name, string text, string extra, string by, string? note = null)
    {
        (name, text, extra) = Validate(name, text, extra);
        var current = Find(id) ?? throw Missing();
        if (current.Name == name && current.Text == text && current.Extra == extra)
            return current;
        var now = time.GetUtcNow();
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        EnsureUniqueName(db, transaction, name, exceptId: id);
        var version = current.Version + 1;
        db.Execute("""
            UPDATE presets SET name = $name, text = $text, extra = $extra, version = $version, updated_at = $now, updated_by = $by
            WHERE id = $id
            """, transaction, ("$id", id), ("$name", name), ("$text", text), ("$extra", extra), ("$version", version),
            ("$now", now.Ms()), ("$by", by));
        AddVersion(db, transaction, id, version, name, text, extra, by, now, note);
        transaction.Commit();
        notices?.Publish(ChangeNotices.Presets);
        return Find(id)!;
    }

    /// <summary>Saves an older version's content as the newest version.</summary>
    public Preset Restore(string id, int version, string by)
    {
        var old = Versions(id).SingleOrDefault(v => v.Version == version)
                  ?? throw new PresetRejectedException($"Version {version} of this preset does not exist.");
        return Update(id, old.Name, old.Text, old.Extra, by, $"Restored version {version}");
    }

    /// <summary>Every saved version, newest first.</summary>
    public IReadOnlyList<PresetVersion> Versions(string id)
    {
        using var db = database.Open();
        return db.Query("""
            SELECT preset_id, version, name, text, extra, edited_by, edited_at, note
            FROM preset_versions WHERE preset_id = $id ORDER BY version DESC
            """, r => new PresetVersion(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), r.GetString(4),
            r.GetString(5), r.Time(6), r.NullableString(7)), ("$id", id));
    }

    public void Delete(string id)
    {
        var preset = Find(id) ?? throw Missing();
        if (preset.IsDefault)
            throw new PresetRejectedException(
                $"\"{preset.Name}\" is the default preset and cannot be deleted. Make another preset the default first.");
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        // Conversations that used it fall back to the default.
        db.Execute("UPDATE conversations SET preset_id = NULL WHERE preset_id = $id", transaction, ("$id", id));
        db.Execute("DELETE FROM presets WHERE id = $id", transaction, ("$id", id));
        transaction.Commit();
        notices?.Publish(ChangeNotices.Presets);
    }

    public void SetDefault(string id)
    {
        _ = Find(id) ?? throw Missing();
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        db.Execute("UPDATE presets SET is_default = 0 WHERE is_default = 1", transaction);
        db.Execute("UPDATE presets SET is_default = 1 WHERE id = $id", transaction, ("$id", id));
        transaction.Commit();
        notices?.Publish(ChangeNotices.Presets);
    }

    /// <summary>Moves a preset one place up (-1) or down (+1) in the list; at either end nothing moves.</summary>
    public void Move(string id, int direction)
    {
        var list = List().ToList();
        var index = list.FindIndex(p => p.Id == id);
        if (index < 0)
            throw Missing();
        var other = index + Math.Sign(direction);
        if (other < 0 || other >= list.Count)
            return;
        (list[index], list[other]) = (list[other], list[index]);
        using var db = database.Open();
        using var transaction = db.BeginTransaction();
        for (var i = 0; i < list.Count; i++)
            db.Execute("UPDATE presets SET position = $position WHERE id = $id", transaction, ("$id", list[i].Id), ("$position", i + 1));
        transaction.Commit();
        notices?.Publish(ChangeNotices.Presets);
    }

    private static (string Name, string Text, string Extra) Validate(string? name, string? text, string? extra)
    {
        name = (name ?? "").Trim();
        text = (text ?? "").Trim();
        extra = (extra ?? "").Trim();
        if (name.Length == 0)
            throw new PresetRejectedException("A preset needs a name.", PresetField.Name);
        if (name.Length > MaxNameLength)
            throw new PresetRejectedException($"The name has {name.Length} characters; at most {MaxNameLength} are allowed.", PresetField.Name);
        if (text.Length == 0)
            throw new PresetRejectedException("A preset needs a system prompt.", PresetField.Text);
        if (text.Length > MaxTextLength)
            throw new PresetRejectedException($"The system prompt has {text.Length:N0} characters; at most {MaxTextLength:N0} are allowed.", PresetField.Text);
        if (extra.Length > MaxExtraLength)
            throw new PresetRejectedException($"The extra instructions have {extra.Length:N0} characters; at most {MaxExtraLength:N0} are allowed.", PresetField.Extra);
        return (name, text, extra);
    }

    private static void EnsureUniqueName(DbConnection db, DbTransaction transaction, string name, string? exceptId)
    {
        var taken = db.Scalar("SELECT id FROM presets WHERE lower(name) = lower($name) AND id <> $except LIMIT 1", transaction,
            ("$name", name), ("$except", exceptId ?? ""));
        if (taken is not null)
            throw new PresetRejectedException($"A preset named \"{name}\" already exists; choose another name.", PresetField.Name);
    }

    private static void AddVersion(DbConnection db, DbTransaction transaction, string id, int version, string name,
        string text, string extra, string by, DateTimeOffset at, string? note) =>
        db.Execute("""
            INSERT INTO preset_versions (preset_id, version, name, text, extra, edited_by, edited_at, note)
            VALUES ($id, $version, $name, $text, $extra, $by, $at, $note)
            """, transaction, ("$id", id), ("$version", version), ("$name", name), ("$text", text), ("$extra", extra),
            ("$by", by), ("$at", at.Ms()), ("$note", note));

    private static PresetRejectedException Missing() => new("This preset no longer exists (another admin may have deleted it).");

    private const string SelectPreset = "SELECT id, name, text, extra, position, is_default, version, updated_at, updated_by FROM presets";

    private static Preset ReadPreset(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt32(4), r.GetInt64(5) == 1, r.GetInt32(6),
        r.Time(7), r.GetString(8));
}
