using ChatWeb.Api.Conversations;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Inference;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.Chat;

/// <summary>
/// Checks a chat request against what exists (the caller's conversation, the preset) and prepares its turn:
/// the conversation to continue or a new one, its system prompts (preset first, then the caller's;
/// the <see cref="TurnBuilder"/> composes and trims), the generation settings and the owner.
/// </summary>
internal sealed class ChatTurns(IConversationStore conversations, ISystemPresets presets, ModelCatalog models)
{
    /// <summary>
    /// A turn ready to run. The conversation is claimed: call <see cref="ApiConversation.EndTurn"/> when done.
    /// <paramref name="ForgottenConversations"/>: the caller's older conversations forgotten to make room for a new one.
    /// </summary>
    public sealed record Turn(ApiConversation Conversation, string Message, ChatOptions Options, IReadOnlyList<string> ForgottenConversations);

    /// <summary>Why no turn was prepared.</summary>
    public enum Refusal
    {
        None,
        /// <summary>A field is wrong; the errors say which.</summary>
        Invalid,
        /// <summary>The caller has no conversation with that id (unknown, forgotten, or someone else's).</summary>
        NotFound,
        /// <summary>The conversation is streaming a reply already.</summary>
        Busy,
    }

    /// <summary>
    /// The prepared turn, or null with the <paramref name="refusal"/> and the errors by field.
    /// The engine runs the reply for <paramref name="owner"/> (<see cref="Access.ApiCaller.Owner"/>), whose conversations alone it may continue.
    /// A new conversation is kept for later turns unless <paramref name="oneOff"/> (an endpoint without conversations).
    /// </summary>
    public Turn? Prepare(ChatRequest request, string owner, string prefix, Dictionary<string, string[]> errors, out Refusal refusal,
        bool oneOff = false)
    {
        refusal = Refusal.Invalid;
        ChatRequest.CheckPrompt(request.Message, prefix + "message", "", errors);
        if (request.System is { } system && PromptLength.Problem(system.Length) is { } systemTooLong)
            errors[prefix + "system"] = [systemTooLong];

        string? presetPrompt = null;
        if (request.Preset is { } preset && (presetPrompt = presets.Find(preset)?.Prompt) is null)
            errors[prefix + "preset"] = [UnknownPreset(presets, preset)];

        request.Settings?.Validate(prefix + "settings.", errors);
        var model = request.Model ?? request.Settings?.Model;
        if (!models.Knows(model))
            errors[prefix + (request.Model is null ? "settings.model" : "model")] = [models.Unknown(model!)];
        if (errors.Count > 0)
            return null;

        ApiConversation? conversation = null;
        if (request.ConversationId is { } id && (conversation = conversations.Find(id, owner)) is null)
        {
            errors[prefix + "conversationId"] = [$"No conversation with id '{id}' (it may have been forgotten); omit the field to start a new one."];
            refusal = Refusal.NotFound;
            return null;
        }

        IReadOnlyList<string> forgotten = [];
        var isNew = conversation is null;
        if (conversation is null && oneOff)
            conversation = conversations.CreateOneOff(owner);
        else if (conversation is null)
            (conversation, forgotten) = conversations.Create(owner);
        if (!conversation.TryBeginTurn())
        {
            refusal = Refusal.Busy;
            return null;
        }
        refusal = Refusal.None;

        // A new conversation that chooses no system prompt gets the default preset, as on the chat page.
        if (isNew && presetPrompt is null && string.IsNullOrWhiteSpace(request.System))
            presetPrompt = presets.Default().Prompt;
        if (presetPrompt is not null || request.System is not null)
        {
            var prompts = conversation.Session.SystemPrompts;
            prompts.Clear();
            if (presetPrompt is not null)
                prompts.Add(presetPrompt);
            if (!string.IsNullOrWhiteSpace(request.System))
                prompts.Add(request.System);
        }
        var options = (request.Settings?.ToChatOptions() ?? new ChatOptions()).WithOwner(owner);
        options.ModelId = model;
        return new Turn(conversation, request.Message!, options, forgotten);
    }

    public static string UnknownPreset(ISystemPresets presets, string name) =>
        $"No system preset named '{name}'. Known presets: {string.Join(", ", presets.List().Select(p => p.Name))}.";
}
