using System.Text.Json;
using System.Text.Json.Serialization;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Chat.Transfer;

/// <summary>
/// ChatWeb's JSON export of conversations, and its import. A file holds whole conversations: title,
/// pinned, preset, settings, and every message with its branches (<c>parentId</c>, <c>selected</c>), so
/// exporting and importing again gives the same conversation. An import is checked completely before
/// anything is stored; a file that does not pass is refused with a message that says what is wrong.
/// </summary>
public static class ConversationArchive
{
    public const string Format = "chatweb-conversations";
    public const int Version = 1;

    /// <summary>The largest file an import accepts.</summary>
    public const long MaxBytes = 20 * 1024 * 1024;
    public const int MaxConversations = 1000, MaxMessages = 10_000, MaxTextLength = 1_000_000;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The conversations as an export file.</summary>
    public static byte[] Write(IReadOnlyList<(StoredConversation Conversation, IReadOnlyList<StoredMessage> Messages)> conversations, DateTimeOffset now) =>
        JsonSerializer.SerializeToUtf8Bytes(new ArchiveFile(Format, Version, now, conversations.Select(c => new ArchiveConversation(
            c.Conversation.Title, c.Conversation.Pinned, c.Conversation.PresetId, ParseSettings(c.Conversation.Settings),
            c.Conversation.CreatedAt, c.Conversation.UpdatedAt,
            c.Messages.Select(m => new ArchiveMessage(m.Id, m.ParentId, m.Selected, m.Role.Value, m.Text, m.Thoughts,
                m.Status.ToString().ToLowerInvariant(), m.Error, m.CreatedAt, m.UpdatedAt,
                (long?)m.Stats?.Thinking?.TotalMilliseconds, m.Stats?.OutputTokens, (long?)m.Stats?.Generation?.TotalMilliseconds)).ToList<ArchiveMessage?>()))
            .ToList<ArchiveConversation?>()), Json);

    /// <summary>Reads and checks an export file; the conversations to store, or why the file is refused.</summary>
    public static ImportResult Read(ReadOnlySpan<byte> file, DateTimeOffset now)
    {
        ArchiveFile? archive;
        try
        {
            archive = JsonSerializer.Deserialize<ArchiveFile>(file, Json);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $" (line {line + 1})" : "";
            return ImportResult.Refused($"This file is not a ChatWeb export: it is not valid JSON{where}.");
        }
        if (archive is null || archive.Format != Format)
            return ImportResult.Refused($"This file is not a ChatWeb export (it has no \"format\": \"{Format}\"). Choose a .json file that ChatWeb's Export wrote.");
        if (archive.Version != Version)
            return ImportResult.Refused($"This export has version {archive.Version}; this ChatWeb reads version {Version}. Export it again from a ChatWeb of this version.");
        if (archive.Conversations is not { Count: > 0 } conversations)
            return ImportResult.Refused("This export holds no conversations.");
        if (conversations.Count > MaxConversations)
            return ImportResult.Refused($"This export holds {conversations.Count} conversations; at most {MaxConversations} can be imported at once.");

        var result = new List<(StoredConversation, IReadOnlyList<StoredMessage>)>(conversations.Count);
        for (var i = 0; i < conversations.Count; i++)
        {
            var checkedConversation = Check(conversations[i], now, out var problem);
            if (checkedConversation is null)
                return ImportResult.Refused($"Conversation {i + 1} of the file ({Describe(conversations[i])}) cannot be imported: {problem} Nothing was imported.");
            result.Add(checkedConversation.Value);
        }
        return new ImportResult(result, null);
    }

    private static (StoredConversation, IReadOnlyList<StoredMessage>)? Check(ArchiveConversation? c, DateTimeOffset now, out string problem)
    {
        problem = "";
        if (c is null)
            return Fail("it is empty.", out problem);
        if (string.IsNullOrWhiteSpace(c.Title))
            return Fail("it has no title.", out problem);
        if (c.Title.Trim().Length > ConversationStore.MaxTitleLength)
            return Fail($"its title is longer than {ConversationStore.MaxTitleLength} characters.", out problem);
        if (c.Settings is { ValueKind: not JsonValueKind.Object })
            return Fail("its settings are not a JSON object.", out problem);
        if (c.Messages is not { } messages)
            return Fail("it has no \"messages\" list.", out problem);
        if (messages.Count > MaxMessages)
            return Fail($"it has {messages.Count} messages; at most {MaxMessages} are accepted.", out problem);

        var seen = new HashSet<string>();
        var stored = new List<StoredMessage>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            var name = $"message {i + 1}";
            if (m is null || string.IsNullOrEmpty(m.Id))
                return Fail($"{name} has no \"id\".", out problem);
            if (!seen.Add(m.Id))
                return Fail($"{name} repeats the id \"{m.Id}\".", out problem);
            if (m.ParentId is not null && (m.ParentId == m.Id || !seen.Contains(m.ParentId)))
                return Fail($"{name}'s \"parentId\" names no earlier message of the conversation.", out problem);
            if (m.Role is not ("user" or "assistant"))
                return Fail($"{name} has the role \"{m.Role}\"; only \"user\" and \"assistant\" can be imported.", out problem);
            if (m.Text is null || m.Text.Length > MaxTextLength || (m.Thoughts?.Length ?? 0) > MaxTextLength)
                return Fail($"{name} has no \"text\", or more than {MaxTextLength:N0} characters.", out problem);
            if (!Enum.TryParse<MessageStatus>(m.Status ?? "complete", ignoreCase: true, out var status) || !Enum.IsDefined(status) || int.TryParse(m.Status, out _))
                return Fail($"{name} has the unknown status \"{m.Status}\".", out problem);
            if (status == MessageStatus.Streaming)
                status = MessageStatus.Interrupted; // nothing is writing it any more
            if (m.ThinkingMs < 0 || m.OutputTokens < 0 || m.GenerationMs < 0)
                return Fail($"{name} has a negative figure.", out problem);
            stored.Add(new StoredMessage(m.Id, new ChatRole(m.Role), m.Text, m.Thoughts, status, m.Error,
                m.CreatedAt ?? now, m.UpdatedAt ?? m.CreatedAt ?? now,
                new MessageStats(Ms(m.ThinkingMs), m.OutputTokens, Ms(m.GenerationMs)), m.ParentId, m.Selected ?? true));
        }
        var conversation = new StoredConversation("", "", c.Title.Trim(), c.PresetId, c.Settings is { } settings ? JsonSerializer.Serialize(settings) : "{}",
            c.CreatedAt ?? now, c.UpdatedAt ?? c.CreatedAt ?? now, c.Pinned ?? false);
        return (conversation, stored);
    }

    private static (StoredConversation, IReadOnlyList<StoredMessage>)? Fail(string why, out string problem)
    {
        problem = char.ToUpperInvariant(why[0]) + why[1..];
        return null;
    }

    private static string Describe(ArchiveConversation? c) =>
        c?.Title is { Length: > 0 } title ? $"“{(title.Length > 40 ? title[..40] + "…" : title)}”" : "untitled";

    private static TimeSpan? Ms(long? ms) => ms is { } value ? TimeSpan.FromMilliseconds(value) : null;

    private static JsonElement? ParseSettings(string settings)
    {
        try
        {
            using var json = JsonDocument.Parse(settings);
            return json.RootElement.ValueKind == JsonValueKind.Object ? json.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed record ArchiveFile(string? Format, int Version, DateTimeOffset? ExportedAt, List<ArchiveConversation?>? Conversations);

    private sealed record ArchiveConversation(string? Title, bool? Pinned, string? PresetId, JsonElement? Settings,
        DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, List<ArchiveMessage?>? Messages);

    private sealed record ArchiveMessage(string? Id, string? ParentId, bool? Selected, string? Role, string? Text, string? Thoughts,
        string? Status, string? Error, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt, long? ThinkingMs, int? OutputTokens, long? GenerationMs);
}

/// <summary>What an import file holds once checked, or why it was refused (<see cref="Problem"/>).</summary>
public sealed record ImportResult(IReadOnlyList<(StoredConversation Conversation, IReadOnlyList<StoredMessage> Messages)> Conversations, string? Problem)
{
    public static ImportResult Refused(string problem) => new([], problem);
}
