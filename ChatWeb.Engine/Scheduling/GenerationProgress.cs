namespace ChatWeb.Engine.Scheduling;

/// <summary>Where a request is in its life; see <see cref="InferenceScheduler"/>.</summary>
public enum GenerationState
{
/// <summary>Waiting in the queue.</summary>
    Queued,
/// <summary>Reading its prompt (chunk by chunk, beside others' decoding).</summary>
    Prompt,
/// <summary>Generating, one token per step.</summary>
    Decode,
/// <summary>Ended by a stop token, its length, a timeout or a fault.</summary>
    Finished,
/// <summary>Cancelled by its owner.</summary>
    Cancelled,
}

/// <summary>What a waiting or running request can tell its user: queue place, prompt progress, speed.</summary>
/// <param name="QueuePosition">1 for the next to start, while queued; 0 otherwise.</param>
/// <param name="EstimatedWait">About how long until it starts, while queued; null until the server has timed some answers.</param>
/// <param name="TokensPerSecond">Generated tokens per second since the first token; 0 before.</param>
public sealed record GenerationProgress(
    GenerationState State,
    int QueuePosition,
    TimeSpan? EstimatedWait,
    int PromptTokensDone,
    int PromptTokens,
    int GeneratedTokens,
    double TokensPerSecond);
