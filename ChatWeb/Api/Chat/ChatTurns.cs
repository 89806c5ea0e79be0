using ChatWeb.Api.Conversations;
using ChatWeb.Engine.Chat;
using ChatWeb.Inference;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.Chat;

/// <summary>
/// Checks a chat request against what exists (the conversation, the preset) and prepares its turn:
/// the conversation to continue or a new one, its system prompts (preset first, then the caller's;
/// the <see cref="ChatWeb.Chat.TurnBuilder"/> composes and trims), the generation settings and the owner.
/// </summary>
internal sealed class ChatTurns(IConversationStore conversations, ISystemPresets presets, ModelCatalog models)
{
    /// <summary>A turn ready to run. The conversation is claimed: call <see cref="ApiConversation.EndTurn"/> when done.</summary>
    public sealed record Turn(ApiConversation Conversation, string Message, ChatOptions Options);

    /// <summary>
    /// The prepared turn, or the errors by field; <paramref name="busy"/> when the conversation is streaming already.
    /// The engine runs the reply for <paramref name="owner"/> (<see cref="Access.ApiCaller.Owner"/>).
    /// </summary>
    public Turn? Prepare(ChatRequest request, string owner, string prefix, Dictionary<string, string[]> errors, out bool busy)
    {
        busy = false;
        if (string.IsNullOrWhiteSpace(request.Message))
            errors[prefix + "message"] = ["Required: the prompt to send."];
        else if (request.Message.Length > ChatRequest.MaxMessageLength)
            errors[prefix + "message"] = [$"At most {ChatRequest.MaxMessageLength} characters."];

        string? presetPrompt = null;
        if (request.Preset is { } preset && (presetPrompt = presets.Find(preset)?.Prompt) is null)
            errors[prefix + "preset"] = [UnknownPreset(presets, preset)];

        ApiConversation? conversation = null;
        if (request.ConversationId is { } id && (conversation = conversations.Find(id)) is null)
            errors[prefix + "conversationId"] = [$"No conversation with id '{id}' (it may have been forgotten); omit the field to start a new one."];

        request.Settings?.Validate(prefix + "settings.", errors);
        var model = request.Model ?? request.Settings?.Model;
        if (!models.Knows(model))
            errors[prefix + (request.Model is null ? "settings.model" : "model")] = [models.Unknown(model!)];
        if (errors.Count > 0)
            return null;

        var isNew = conversation is null;
        conversation ??= conversations.Create();
        if (!conversation.TryBeginTurn())
        {
            busy = true;
            return null;
        }

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
        return new Turn(conversation, request.Message!, options);
    }

    public static string UnknownPreset(ISystemPresets presets, string name) =>
        $"No system preset named '{name}'. Known presets: {string.Join(", ", presets.List().Select(p => p.Name))}.";
}
