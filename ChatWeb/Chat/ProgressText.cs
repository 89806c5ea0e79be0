using System.Globalization;
using ChatWeb.Engine.Scheduling;

namespace ChatWeb.Chat;

/// <summary>What the chat page says about a request's progress: its place in the queue, the prompt read so far, the speed.</summary>
public static class ProgressText
{
    public static string Describe(GenerationProgress progress) => progress.State switch
    {
        GenerationState.Queued when progress.QueuePosition > 0 =>
            $"{Ordinal(progress.QueuePosition)} in queue" + (progress.EstimatedWait is { } wait ? $" (about {Seconds(wait)} s)" : ""),
        GenerationState.Queued => "Waiting for the model",
        GenerationState.Prompt => $"Reading the conversation: {progress.PromptTokensDone} of {progress.PromptTokens} tokens",
        GenerationState.Decode when progress.TokensPerSecond > 0 =>
            string.Create(CultureInfo.InvariantCulture, $"{progress.TokensPerSecond:0.0} tokens/s"),
        _ => "",
    };

    private static int Seconds(TimeSpan wait) => Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));

    private static string Ordinal(int n) => (n % 100) switch
    {
        11 or 12 or 13 => $"{n}th",
        _ => (n % 10) switch { 1 => $"{n}st", 2 => $"{n}nd", 3 => $"{n}rd", _ => $"{n}th" },
    };
}
