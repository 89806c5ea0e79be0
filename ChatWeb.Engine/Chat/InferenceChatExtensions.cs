using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Chat;

/// <summary>
/// Typed access to what ChatWeb's inference service adds to Microsoft.Extensions.AI's types: the owner of a
/// request (in <see cref="ChatOptions"/>) and a waiting request's progress (in a <see cref="ChatResponseUpdate"/>).
/// The keys they travel under are private to this class.
/// </summary>
public static class InferenceChatExtensions
{
    private const string OwnerKey = "chatweb.owner";
    private const string ProgressKey = "chatweb.progress";

    /// <summary>
    /// Says whose request this is (a browser session, an API key's name, a client address): an owner runs
    /// <see cref="InferenceOptions.MaxActivePerOwner"/> generations at a time, and only it may cancel them.
    /// </summary>
    public static ChatOptions WithOwner(this ChatOptions options, string owner)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(owner);
        (options.AdditionalProperties ??= [])[OwnerKey] = owner;
        return options;
    }

    /// <summary>The owner set by <see cref="WithOwner"/>; null when none was.</summary>
    public static string? GetOwner(this ChatOptions? options) =>
        options?.AdditionalProperties?.TryGetValue(OwnerKey, out var value) == true && value is string { Length: > 0 } owner ? owner : null;

    /// <summary>Progress of a request that waits in the queue or reads its prompt; null on updates that carry the answer.</summary>
    public static GenerationProgress? GetProgress(this ChatResponseUpdate update) =>
        update.AdditionalProperties?.TryGetValue(ProgressKey, out var value) == true ? value as GenerationProgress : null;

    /// <summary>Attaches <paramref name="progress"/> to an update (what <see cref="GetProgress"/> reads).</summary>
    public static ChatResponseUpdate WithProgress(this ChatResponseUpdate update, GenerationProgress progress)
    {
        ArgumentNullException.ThrowIfNull(update);
        (update.AdditionalProperties ??= [])[ProgressKey] = progress;
        return update;
    }
}
