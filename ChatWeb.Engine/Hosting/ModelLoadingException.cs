namespace ChatWeb.Engine.Hosting;

/// <summary>The model is still loading: try again after <see cref="RetryAfter"/> (HTTP 503 with Retry-After on the APIs).</summary>
public sealed class ModelLoadingException(ModelLoadProgress progress) : Exception(MessageFor(progress))
{
    /// <summary>How far loading had come when the request was refused.</summary>
    public ModelLoadProgress Progress { get; } = progress;

    /// <summary>The estimated time left, between 1 and 30 s; 5 s while it cannot be estimated.</summary>
    public TimeSpan RetryAfter { get; } = progress.Remaining is { } left
        ? TimeSpan.FromSeconds(Math.Clamp(Math.Ceiling(left.TotalSeconds), 1, 30))
        : TimeSpan.FromSeconds(5);

    /// <summary><see cref="RetryAfter"/> in whole seconds (for a Retry-After header).</summary>
    public int RetryAfterSeconds => (int)RetryAfter.TotalSeconds;

    /// <summary>What a user is told while the model loads.</summary>
    public static string MessageFor(ModelLoadProgress progress) =>
        $"The model is still loading ({progress.Percent} %); try again in a moment.";
}
