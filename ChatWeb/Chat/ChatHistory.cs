using System.Text.Json;
using ChatWeb.Sessions;
using ChatWeb.Storage;

namespace ChatWeb.Chat;

/// <summary>
/// The chat page's link to what this browser session has stored: its conversations, their messages,
/// its prompts, and the presets to choose from. A streaming answer is saved as it grows (at most once
/// a second) and once more when it ends, so a reload or a crash keeps what was already written.
/// </summary>
public sealed class ChatHistory(ConversationStore conversations, PromptHistoryStore prompts, PresetStore presets,
    SessionOwner owner, ActiveAnswers active, TimeProvider time)
{
    private static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan OtherTabGrace = TimeSpan.FromSeconds(2);

    private readonly Dictionary<ConversationMessage, Saved> _saved = new(ReferenceEqualityComparer.Instance);

    private sealed class Saved(string id)
    {
        public string Id { get; } = id;
        public DateTimeOffset At { get; set; }
        public int Version { get; set; } = -1;
    }

    /// <summary>False when the page came without a session (the circuit lost it); a reload fixes that.</summary>
    public bool HasSession => owner.Id is not null;

    private string Owner => owner.Id ?? throw new InvalidOperationException("This page has no session; reload it.");

    public IReadOnlyList<StoredConversation> Conversations() => HasSession ? conversations.List(Owner) : [];

    public IReadOnlyList<string> Prompts() => HasSession ? prompts.List(Owner) : [];

    public IReadOnlyList<Preset> Presets() => presets.List();

    /// <summary>The preset a conversation uses: its own choice, else the admin's default.</summary>
    public Preset PresetFor(string? presetId) => presets.For(presetId);

    /// <summary>
    /// The session's conversation with its messages, or null when there is none with this id for this
    /// session. An answer still marked streaming that no page is writing any more is marked interrupted.
    /// </summary>
    public async Task<(StoredConversation Conversation, List<ConversationMessage> Messages)?> LoadAsync(string id)
    {
        if (!HasSession || conversations.Find(Owner, id) is not { } conversation)
            return null;

        var stored = conversations.Messages(Owner, id);
        var stillRunning = new HashSet<string>();
        foreach (var message in stored.Where(m => m.Status == MessageStatus.Streaming))
            if (!await active.WaitUntilEndedAsync(message.Id, OtherTabGrace))
                stillRunning.Add(message.Id);
        if (stored.Any(m => m.Status == MessageStatus.Streaming))
            stored = conversations.Messages(Owner, id);

        var messages = new List<ConversationMessage>(stored.Count);
        foreach (var m in stored)
        {
            var status = m.Status;
            if (status == MessageStatus.Streaming)
            {
                status = MessageStatus.Interrupted;
                // One still written by another tab is shown as it is now, and left for that tab to finish.
                if (!stillRunning.Contains(m.Id))
                    conversations.UpdateMessage(Owner, m.Id, m.Text, status, m.Thoughts, m.Error);
            }
            var message = ConversationMessage.Restore(m.Role, m.Text, status, m.Error, m.Thoughts,
                m.Stats?.Thinking, m.Stats?.OutputTokens, m.Stats?.Generation);
            message.At = m.CreatedAt;
            message.Branch = m.Branch;
            _saved[message] = new Saved(m.Id) { Version = message.Version };
            messages.Add(message);
        }
        return (conversation, messages);
    }

    /// <summary>Starts a stored conversation, titled after its first prompt.</summary>
    public StoredConversation Start(string firstPrompt, string? presetId) =>
        conversations.Create(Owner, firstPrompt, presetId);

    /// <summary>Stores a new message of the conversation; a streaming one is then saved as it grows.</summary>
    public void Add(string conversationId, ConversationMessage message)
    {
        var id = conversations.AddMessage(Owner, conversationId, message.Role, message.Text, message.Status, NullIfEmpty(message.Thinking), message.Error)
                 ?? throw new InvalidOperationException("This conversation no longer exists (it was deleted in another tab).");
        _saved[message] = new Saved(id) { At = time.GetUtcNow(), Version = message.Version };
        message.At ??= _saved[message].At;
        if (message.Status == MessageStatus.Streaming)
            active.Begin(id);
    }

    /// <summary>Saves a message's text and status: while streaming at most once a second, always when <paramref name="final"/>.</summary>
    public void Save(ConversationMessage message, bool final = false)
    {
        if (!_saved.TryGetValue(message, out var saved))
            return;
        var now = time.GetUtcNow();
        if (!final && (now - saved.At < SaveInterval || saved.Version == message.Version))
            return;
        conversations.UpdateMessage(Owner, saved.Id, message.Text, message.Status, NullIfEmpty(message.Thinking), message.Error,
            new MessageStats(message.ThinkingDuration, message.OutputTokens, message.GenerationTime));
        saved.At = now;
        saved.Version = message.Version;
        if (final)
            active.End(saved.Id);
    }

    /// <summary>
    /// Stores <paramref name="message"/> as an alternative to <paramref name="existing"/> (a regenerated
    /// answer, an edited prompt): the earlier one is kept, the new one becomes the selected branch.
    /// </summary>
    public void AddAlternative(ConversationMessage existing, ConversationMessage message)
    {
        if (!_saved.TryGetValue(existing, out var sibling))
            throw new InvalidOperationException("The message to answer again is not stored; reload the page.");
        var id = conversations.AddAlternative(Owner, sibling.Id, message.Role, message.Text, message.Status, NullIfEmpty(message.Thinking), message.Error)
                 ?? throw new InvalidOperationException("This conversation no longer exists (it was deleted in another tab).");
        _saved[message] = new Saved(id) { At = time.GetUtcNow(), Version = message.Version };
        var count = Math.Max(existing.Branch.Count, 1) + 1;
        message.Branch = new BranchPosition(count, count);
        if (message.Status == MessageStatus.Streaming)
            active.Begin(id);
    }

    /// <summary>Selects the alternative <paramref name="step"/> places from <paramref name="message"/> (−1: the previous); false when there is none.</summary>
    public bool SelectAlternative(ConversationMessage message, int step)
    {
        if (!_saved.TryGetValue(message, out var saved))
            return false;
        var ids = conversations.Alternatives(Owner, saved.Id);
        var index = ids.ToList().IndexOf(saved.Id) + step;
        return index >= 0 && index < ids.Count && conversations.SelectAlternative(Owner, ids[index]);
    }

    /// <summary>Removes a stored message and what follows it (a turn that failed; no answer is kept for it).</summary>
    public void RemoveFrom(ConversationMessage message)
    {
        if (!_saved.Remove(message, out var saved))
            return;
        active.End(saved.Id);
        conversations.DeleteMessage(Owner, saved.Id);
    }

    /// <summary>Makes <paramref name="message"/> the selected version again (after the alternative that replaced it on screen failed).</summary>
    public void Reselect(ConversationMessage message)
    {
        if (_saved.TryGetValue(message, out var saved))
            conversations.SelectAlternative(Owner, saved.Id);
    }

    public IReadOnlyList<SearchHit> Search(string text) => HasSession ? conversations.Search(Owner, text) : [];

    /// <summary>One of the session's conversations (<paramref name="id"/>), or all of them, with every message and branch.</summary>
    public IReadOnlyList<(StoredConversation Conversation, IReadOnlyList<StoredMessage> Messages)> Export(string? id)
    {
        if (!HasSession)
            return [];
        var chosen = id is null ? conversations.List(Owner) : conversations.Find(Owner, id) is { } one ? [one] : [];
        return chosen.Select(c => (c, conversations.AllMessages(Owner, c.Id))).ToList();
    }

    /// <summary>Stores checked conversations as this session's own (new ids); returns their ids.</summary>
    public IReadOnlyList<string> Import(IReadOnlyList<(StoredConversation Conversation, IReadOnlyList<StoredMessage> Messages)> imported) =>
        conversations.Import(Owner, imported);

    public bool SetPinned(string id, bool pinned) => conversations.SetPinned(Owner, id, pinned);

    /// <summary>The conversation's generation settings as stored; the defaults when none or unreadable.</summary>
    public static GenerationSettings SettingsOf(StoredConversation conversation)
    {
        var defaults = GenerationSettings.Default;
        try
        {
            using var json = JsonDocument.Parse(conversation.Settings);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                return defaults;
            var stored = json.RootElement.Deserialize<GenerationSettings>() ?? defaults;
            // Settings stored before the page and the APIs shared one type named the token limit "MaxNewTokens".
            var legacyMax = json.RootElement.TryGetProperty("MaxNewTokens", out var max) && max.TryGetInt32(out var n) ? n : (int?)null;
            return stored with
            {
                Temperature = stored.Temperature ?? defaults.Temperature,
                TopP = stored.TopP ?? defaults.TopP,
                MaxNewTokens = stored.MaxNewTokens ?? legacyMax ?? defaults.MaxNewTokens,
                Think = stored.Think ?? defaults.Think,
            };
        }
        catch (JsonException)
        {
            return defaults;
        }
    }

    public void SaveSettings(string conversationId, GenerationSettings settings) =>
        conversations.SetSettings(Owner, conversationId, JsonSerializer.Serialize(settings));

    public void RememberPrompt(string prompt)
    {
        if (HasSession)
            prompts.Add(Owner, prompt);
    }

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    public bool Rename(string id, string title) => conversations.Rename(Owner, id, title);

    public bool Delete(string id) => conversations.Delete(Owner, id);

    public bool SetPreset(string id, string? presetId) => conversations.SetPreset(Owner, id, presetId);
}
