using ChatWeb.Chat.Transfer;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Library;
using ChatWeb.ScaleOut;
using ChatWeb.Sessions;
using ChatWeb.Storage;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Forms;
using Microsoft.Extensions.AI;
using Microsoft.JSInterop;

namespace ChatWeb.Chat;

/// <summary>
/// The chat page's conversation, one per circuit: it loads and stores the session's conversations
/// (<see cref="ChatHistory"/>), builds each request with the <see cref="TurnBuilder"/>, streams the
/// answer through the <see cref="ChatStepStream"/> into the on-screen message, and keeps the progress,
/// notices and announcements the page shows. The page composes components from its state and raises
/// <see cref="Changed"/>'s re-render; it holds no logic of its own.
/// </summary>
public sealed class ConversationService(IChatClient client, IInferenceStatus backend, TimeProvider time, ChatHistory history,
    TurnBuilder turns, SessionOwner session, IJSRuntime js, NavigationManager navigation, ChangeNotices? notices = null,
    IModelCatalog? models = null) : IDisposable
{
    private CancellationTokenSource? _generation;
    private GenerationState? _progressState;
    private MessageStatus _cancelledAs = MessageStatus.Stopped;
    private string? _settingsNotice; // the notice a refused settings change put up; the next accepted change removes it
    private string? _loadingNotice; // the notice Send put up while loading; it goes once the model is ready
    private bool _loaded;
    private bool _watching;
    private int _view; // grows whenever the page shows another conversation; a load that lost the race is dropped

    /// <summary>Something the page shows changed (the backend's state, progress, a new message); re-render.</summary>
    public event Action? Changed;

    public InferenceStatus Backend => backend.Current;
    public List<ConversationMessage> Messages { get; private set; } = [];
    public GenerationSettings Settings { get; private set; } = GenerationSettings.Default;
    public string Draft { get; set; } = "";
    public string Announcement { get; private set; } = "";

    /// <summary>Queue place, prompt progress or speed, from the inference scheduler, while answering.</summary>
    public string? Progress { get; private set; }

    public bool IsStreaming => _generation is not null;

    /// <summary>The stored conversation on screen (null until a new chat's first prompt).</summary>
    public string? ConversationId { get; private set; }

    public string? PresetId { get; private set; }
    public IReadOnlyList<StoredConversation> Conversations { get; private set; } = [];

    /// <summary>What the sidebar's search box holds; empty when not searching.</summary>
    public string SearchText { get; private set; } = "";

    /// <summary>The conversations the search found (null when not searching).</summary>
    public IReadOnlyList<SearchHit>? SearchResults { get; private set; }
    public IReadOnlyList<Preset> Presets { get; private set; } = [];
    public IReadOnlyList<string> Prompts { get; private set; } = [];
    public string? Notice { get; private set; }

    /// <summary>Why the last answer failed (the server was busy, the backend failed); the page shows it on that turn with Retry.</summary>
    public TurnFailure? Failure { get; private set; }

    /// <summary>How many earlier messages the last request left out to fit the model's context.</summary>
    public int LeftOut { get; private set; }

    /// <summary>Shows the conversation in the address (/c/{id}), or a new chat; nothing when it is shown already.</summary>
    public async Task ShowAsync(string? id)
    {
        if (!_watching)
        {
            backend.Changed += OnBackendChanged;
            if (notices is not null)
                notices.Changed += OnSharedChange;
            _watching = true;
        }
        // A new chat gets its id with its first prompt, and the address changes without a reload.
        if (_loaded && id == ConversationId)
            return;
        Interrupt();
        await LoadAsync(id);
        _loaded = true;
    }

    /// <summary>Opens another of the session's conversations in place (from the sidebar).</summary>
    public async Task OpenAsync(string id)
    {
        if (id == ConversationId)
            return;
        Interrupt();
        await LoadAsync(id);
        await ShowAddressAsync($"c/{id}");
    }

    public async Task NewChatAsync()
    {
        // The stored chat stays in the list; the address goes back to a new chat's.
        Interrupt();
        var wasStored = ConversationId is not null;
        _view++;
        (ConversationId, PresetId, LeftOut, Notice, Failure) = (null, null, 0, null, null);
        Messages = [];
        Settings = GenerationSettings.Default;
        Announcement = "New chat started.";
        if (wasStored)
            await ShowAddressAsync("");
    }

    public async Task SendAsync()
    {
        var prompt = Draft;
        if (string.IsNullOrWhiteSpace(prompt) || IsStreaming || ModelStillLoading())
            return;

        var user = new ConversationMessage(ChatRole.User, prompt);
        if (!StoreUserMessage(user))
            return; // the prompt stays in the composer; the notice says why
        Messages.Add(user);
        Draft = "";
        if (await GenerateAsync())
            return;
        // The prompt is never lost, and kept once: it leaves the conversation and goes back into the
        // composer (unless the user typed a new one); Retry sends it again.
        history.RemoveFrom(user);
        Messages.Remove(user);
        if (string.IsNullOrEmpty(Draft))
            Draft = prompt;
        Failure = Failure! with { Prompt = prompt };
        if (Messages.Count == 0 && ConversationId is { } empty)
        {
            history.Delete(empty); // nothing was said: no empty conversation in the list
            (ConversationId, Conversations) = (null, history.Conversations());
            await ShowAddressAsync("");
        }
    }

    /// <summary>Tries the failed turn again: sends its prompt (back in the composer) or answers the last message again.</summary>
    public async Task RetryAsync()
    {
        if (Failure is not { } failure || IsStreaming)
            return;
        if (failure.Prompt is { } prompt)
        {
            if (string.IsNullOrWhiteSpace(Draft))
                Draft = prompt;
            await SendAsync();
        }
        else if (Messages.Count > 0 && Messages[^1].Role == ChatRole.Assistant)
            await RegenerateAsync(); // a regenerated answer failed: the earlier one shows; try again
        else if (Messages.Count > 0 && !ModelStillLoading())
            await GenerateAsync();
    }

    /// <summary>Answers the last user message again; the earlier answer stays as another version ("‹ 1/2 ›").</summary>
    public async Task RegenerateAsync()
    {
        if (IsStreaming || Messages.Count == 0 || Messages[^1].Role != ChatRole.Assistant || ModelStillLoading())
            return;
        var earlier = Messages[^1];
        Messages.RemoveAt(Messages.Count - 1);
        if (await GenerateAsync(earlier))
            return;
        // No failed version is kept: the earlier answer shows again, with the failure and Retry under it.
        history.Reselect(earlier);
        Messages.Add(earlier);
    }

    /// <summary>Sends an edited version of a user message and answers it; the earlier turn stays as another version.</summary>
    public async Task EditAsync(MessageEdit edit)
    {
        var index = Messages.IndexOf(edit.Message);
        if (IsStreaming || index < 0 || string.IsNullOrWhiteSpace(edit.NewText))
            return;
        var user = new ConversationMessage(ChatRole.User, edit.NewText);
        if (!StoreUserMessage(user, alternativeTo: edit.Message))
            return;
        Messages.RemoveRange(index, Messages.Count - index);
        Messages.Add(user);
        await GenerateAsync();
    }

    /// <summary>Shows another version of a message (and what followed it); the choice is stored and is what the model sees next.</summary>
    public async Task SwitchBranchAsync(BranchSwitch change)
    {
        if (IsStreaming || ConversationId is not { } id || !history.SelectAlternative(change.Message, change.Step))
            return;
        var loading = ++_view;
        var found = await history.LoadAsync(id);
        if (loading != _view || found is null)
            return;
        Messages = found.Value.Messages;
        LeftOut = 0;
        var shown = Messages.FirstOrDefault(m => m.Role == change.Message.Role && m.Branch.Count == change.Message.Branch.Count
                                                 && m.Branch.Index == change.Message.Branch.Index + change.Step);
        Announcement = shown is null ? "Another version is shown." : $"Version {shown.Branch.Index} of {shown.Branch.Count} is shown.";
    }

    /// <summary>Searches the session's conversations (titles and messages); blank text ends the search.</summary>
    public void Search(string text)
    {
        SearchText = text ?? "";
        SearchResults = string.IsNullOrWhiteSpace(SearchText) ? null : history.Search(SearchText);
    }

    public void SetPinned(string id, bool pinned)
    {
        history.SetPinned(id, pinned);
        RefreshList();
    }

    /// <summary>Downloads one conversation or all of them as Markdown or JSON.</summary>
    public async Task ExportAsync(ExportRequest request)
    {
        var conversations = history.Export(request.ConversationId);
        if (conversations.Count == 0)
            return;
        var stamp = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd");
        var name = request.ConversationId is null ? $"chatweb-conversations-{stamp}" : $"chatweb-{FileNames.Slug(conversations[0].Conversation.Title)}";
        var (content, extension, type) = request.Format == ExportFormat.Json
            ? (ConversationArchive.Write(conversations, time.GetUtcNow()), "json", "application/json")
            : (System.Text.Encoding.UTF8.GetBytes(ConversationMarkdown.Write(conversations)), "md", "text/markdown");
        try
        {
            await using var module = await js.InvokeAsync<IJSObjectReference>("import", "./Components/Chat/ConversationList.razor.js");
            using var stream = new MemoryStream(content);
            using var reference = new DotNetStreamReference(stream);
            await module.InvokeVoidAsync("download", $"{name}.{extension}", type, reference);
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            Notice = "The export could not be handed to the browser; try again.";
        }
    }

    /// <summary>
    /// Imports a JSON export as this session's own conversations (nothing is replaced) and opens the
    /// first; a file that is too large or not a valid export is refused with a notice saying why.
    /// </summary>
    public async Task ImportAsync(IBrowserFile file)
    {
        if (!history.HasSession)
            return;
        if (file.Size > ConversationArchive.MaxBytes)
        {
            Notice = $"“{file.Name}” is {file.Size / (1024 * 1024.0):0.#} MB; an import can be at most {ConversationArchive.MaxBytes / (1024 * 1024)} MB. Nothing was imported.";
            return;
        }
        byte[] content;
        try
        {
            await using var stream = file.OpenReadStream(ConversationArchive.MaxBytes);
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer);
            content = buffer.ToArray();
        }
        catch (IOException ex)
        {
            Notice = $"“{file.Name}” could not be read ({ex.Message}). Nothing was imported.";
            return;
        }
        var read = ConversationArchive.Read(content, time.GetUtcNow());
        if (read.Problem is { } problem)
        {
            Notice = problem;
            return;
        }
        var ids = history.Import(read.Conversations);
        Notice = null;
        RefreshList();
        await OpenAsync(ids[0]);
        Announcement = ids.Count == 1 ? "1 conversation was imported." : $"{ids.Count} conversations were imported.";
    }

    public void Stop() => _generation?.Cancel();

    /// <summary>Ends a running answer its page no longer shows; what it wrote is kept, marked interrupted.</summary>
    public void Interrupt()
    {
        _cancelledAs = MessageStatus.Interrupted;
        _generation?.Cancel();
    }

    /// <summary>Takes the conversation's new settings; out-of-range values are refused whole (nothing saved, never clamped), with a notice.</summary>
    public void ChangeSettings(GenerationSettings changed)
    {
        var errors = new Dictionary<string, string[]>();
        changed.Validate("", errors);
        if (errors.Count > 0)
        {
            var (field, messages) = errors.First();
            Notice = _settingsNotice = $"Settings not saved: {field} {char.ToLowerInvariant(messages[0][0])}{messages[0][1..]}";
            Changed?.Invoke();
            return;
        }
        if (Notice is not null && Notice == _settingsNotice)
            Notice = null;
        Settings = changed;
        if (ConversationId is not null)
            history.SaveSettings(ConversationId, Settings);
    }

    public void ChoosePreset(string? id)
    {
        PresetId = id;
        if (ConversationId is not null)
            history.SetPreset(ConversationId, id);
    }

    public void Rename(string id, string title)
    {
        try
        {
            history.Rename(id, title);
            Notice = null;
        }
        catch (ArgumentException ex)
        {
            Notice = ex.Message.Split(" (Parameter")[0];
        }
        RefreshList();
    }

    public async Task DeleteAsync(string id)
    {
        history.Delete(id);
        if (id == ConversationId)
            await NewChatAsync();
        RefreshList();
    }

    /// <summary>Reads the sidebar's list (and the search's results) again after a change.</summary>
    private void RefreshList()
    {
        Conversations = history.Conversations();
        if (SearchResults is not null)
            Search(SearchText);
    }

    public void Dispose()
    {
        backend.Changed -= OnBackendChanged;
        if (notices is not null)
            notices.Changed -= OnSharedChange;
        Interrupt();
    }

    /// <summary>An admin (here or on another instance) changed the presets: the picker lists them anew.</summary>
    private void OnSharedChange(string topic)
    {
        if (topic != ChangeNotices.Presets)
            return;
        Presets = history.Presets();
        Changed?.Invoke();
    }

    private void OnBackendChanged(InferenceStatus status)
    {
        if (status.Loading is null && Notice is not null && Notice == _loadingNotice)
            Notice = null;
        Changed?.Invoke();
    }

    /// <summary>True (with a notice saying how far it has come) while the model loads: nothing is sent, the prompt stays in the composer.</summary>
    private bool ModelStillLoading()
    {
        if (backend.Current.Loading is not { } loading || models?.IsRemote(Settings.Model) == true)
            return false;
        Notice = _loadingNotice = ModelLoadingException.MessageFor(loading);
        return true;
    }

    private async Task LoadAsync(string? id)
    {
        Conversations = history.Conversations();
        Presets = history.Presets();
        Prompts = history.Prompts();
        Failure = null;
        Notice = history.HasSession ? null
            : "ChatWeb could not recognise this browser's session (are cookies blocked?). Reload the page; until then nothing you write is kept.";
        (ConversationId, PresetId, Messages, Settings, LeftOut) = (null, null, [], GenerationSettings.Default, 0);
        var loading = ++_view;
        if (id is null || !history.HasSession)
            return;
        var found = await history.LoadAsync(id); // may wait briefly for an answer another page is ending
        if (loading != _view)
            return; // the user started a new chat or opened another meanwhile
        if (found is null)
        {
            Notice = "This conversation does not exist, or it belongs to another browser. Your own conversations are listed at the side; what you send here starts a new one.";
            return;
        }
        (ConversationId, PresetId, Messages) = (found.Value.Conversation.Id, found.Value.Conversation.PresetId, found.Value.Messages);
        Settings = ChatHistory.SettingsOf(found.Value.Conversation);
    }

    /// <summary>Stores a user message, starting the stored conversation with the first; false (with a notice) when that fails.</summary>
    private bool StoreUserMessage(ConversationMessage message, ConversationMessage? alternativeTo = null)
    {
        try
        {
            if (!history.HasSession)
                return false;
            if (ConversationId is null)
            {
                ConversationId = history.Start(message.Text, PresetId).Id;
                _view++;
                history.SaveSettings(ConversationId, Settings);
                _ = ShowAddressAsync($"c/{ConversationId}"); // not awaited: the message shows without a round trip
            }
            if (alternativeTo is null)
                history.Add(ConversationId, message);
            else
                history.AddAlternative(alternativeTo, message);
            history.RememberPrompt(message.Text);
            RefreshList();
            Prompts = history.Prompts();
            Notice = null;
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or System.Data.Common.DbException)
        {
            Notice = $"Your message could not be saved: {ex.Message} It is still in the box; try again.";
            return false;
        }
    }

    private async Task ShowAddressAsync(string relative)
    {
        try
        {
            await js.InvokeVoidAsync("history.replaceState", null, "", navigation.ToAbsoluteUri(relative).ToString());
        }
        catch (Exception ex) when (ex is JSException or JSDisconnectedException or OperationCanceledException)
        {
            // Only the address bar lags behind; the conversation is stored and listed at the side.
        }
    }

    /// <summary>
    /// Streams an answer to the conversation so far (the selected branch); false when the backend failed.
    /// With <paramref name="alternativeTo"/> the answer is stored as another version of that earlier answer.
    /// </summary>
    private async Task<bool> GenerateAsync(ConversationMessage? alternativeTo = null)
    {
        // The model sees answers, never their thinking, and nothing from failed turns' answers;
        // the turn builder puts the preset's system prompt first, then the newest turns that fit its context.
        var preset = history.PresetFor(PresetId);
        var turn = turns.Build([preset.Text, preset.Extra], Messages
            .Where(m => m.Status is MessageStatus.Complete or MessageStatus.Stopped or MessageStatus.Interrupted)
            .Select(m => new ChatMessage(m.Role, m.Text))
            .ToList(), Settings.Model);
        LeftOut = turn.LeftOut;

        var answer = new ConversationMessage(ChatRole.Assistant, status: MessageStatus.Streaming);
        if (ConversationId is not null && alternativeTo is not null)
            history.AddAlternative(alternativeTo, answer);
        else if (ConversationId is not null)
            history.Add(ConversationId, answer);
        Messages.Add(answer);
        Failure = null;
        _cancelledAs = MessageStatus.Stopped;
        var writer = new AnswerWriter(answer, time);
        var steps = new ChatStepStream(time);
        _generation = new CancellationTokenSource();
        var token = _generation.Token;
        Announcement = "The answer is being written.";
        Changed?.Invoke();
        await Task.Yield(); // the page's render (new messages, the cleared composer) runs before the answer streams

        try
        {
            var options = Settings.ToChatOptions();
            if (session.Id is { } owner)
                options.WithOwner(owner); // one answer at a time per session
            await foreach (var step in steps.ReadAllAsync(client, turn.Messages, options, token))
            {
                if (step is ChatCompleted)
                {
                    writer.Finish(MessageStatus.Complete, steps);
                    break;
                }
                writer.Apply(step);
                ShowProgress(step);
                history.Save(answer);
            }
            Announcement = "The answer is complete.";
            return true;
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            writer.Finish(_cancelledAs, steps);
            Announcement = "The answer was stopped.";
            return true;
        }
        catch (Exception ex)
        {
            // Not kept as a fake answer: the page shows why on this turn, with Retry.
            writer.Finish(MessageStatus.Failed, steps, ex.Message);
            history.RemoveFrom(answer);
            Messages.Remove(answer);
            Failure = new TurnFailure(ex.Message, Prompt: null);
            Announcement = "The answer failed: " + ex.Message;
            return false;
        }
        finally
        {
            if (answer.Status != MessageStatus.Failed)
                history.Save(answer, final: true);
            (Progress, _progressState) = (null, null);
            _generation?.Dispose();
            _generation = null;
        }
    }

    /// <summary>Shows the scheduler's progress ("3rd in queue (about 12 s)", prompt read, tokens/s); the answer's first words replace a queue or prompt notice.</summary>
    private void ShowProgress(ChatStep step)
    {
        if (step is ProgressStep { Progress: var progress })
        {
            (Progress, _progressState) = (ProgressText.Describe(progress), progress.State);
            Changed?.Invoke();
        }
        else if (step is ThinkingToken or AnswerToken or AnswerWasThinking && (_progressState is GenerationState.Queued or GenerationState.Prompt))
        {
            (Progress, _progressState) = (null, null);
            Changed?.Invoke();
        }
    }
}
