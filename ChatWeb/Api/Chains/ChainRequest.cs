using ChatWeb.Chat;
using System.Text.RegularExpressions;
using ChatWeb.Api.Chat;
using ChatWeb.Api.Conversations;

namespace ChatWeb.Api.Chains;

/// <summary>
/// The body of <c>POST /api/chains</c>: stages of prompts. The prompts of a stage run at once; the
/// stages run in order; a prompt may quote an earlier answer as <c>{{stage1.answer0}}</c>
/// (stages count from 1, answers within a stage from 0). Each prompt, as sent and once filled, is held
/// to <see cref="PromptLength"/>; the filled length is measured before the prompt is built (<see cref="FilledLength"/>).
/// </summary>
internal sealed partial class ChainRequest
{
    public const int MaxStages = 10;
    public const int MaxPromptsPerStage = 16;

    public List<List<string>>? Stages { get; init; }
    public string? Preset { get; init; }
    public string? System { get; init; }
    public GenerationSettings? Settings { get; init; }

    [GeneratedRegex(@"\{\{\s*stage(\d+)\.answer(\d+)\s*\}\}")]
    public static partial Regex Placeholder();

    public void Validate(ISystemPresets presets, Dictionary<string, string[]> errors)
    {
        if (Stages is not { Count: > 0 })
            errors["stages"] = ["Required: at least one stage, each an array of prompts."];
        else if (Stages.Count > MaxStages)
            errors["stages"] = [$"At most {MaxStages} stages."];
        else
        {
            for (var s = 0; s < Stages.Count; s++)
                ValidateStage(s, errors);
        }
        if (Preset is not null && presets.Find(Preset) is null)
            errors["preset"] = [ChatTurns.UnknownPreset(presets, Preset)];
        Settings?.Validate("settings.", errors);
    }

    private void ValidateStage(int s, Dictionary<string, string[]> errors)
    {
        var prompts = Stages![s];
        if (prompts is not { Count: > 0 and <= MaxPromptsPerStage })
        {
            errors[$"stages[{s}]"] = [$"A stage holds 1 to {MaxPromptsPerStage} prompts."];
            return;
        }
        for (var p = 0; p < prompts.Count; p++)
        {
            var field = $"stages[{s}][{p}]";
            if (string.IsNullOrWhiteSpace(prompts[p]))
            {
                errors[field] = ["A prompt must not be empty."];
                continue;
            }
            if (PromptLength.Problem(prompts[p].Length) is { } tooLong)
            {
                errors[field] = [tooLong];
                continue;
            }
            foreach (Match match in Placeholder().Matches(prompts[p]))
            {
                // A number too large for an int names no stage either (no overflow, no exception).
                var stage = int.TryParse(match.Groups[1].ValueSpan, out var n) ? n : int.MaxValue;
                var answer = int.TryParse(match.Groups[2].ValueSpan, out var m) ? m : int.MaxValue;
                if (stage < 1 || stage > s)
                    errors[field] = [$"{match.Value} must name an earlier stage (stage1 to stage{s}); stages count from 1."];
                else if (Stages[stage - 1] is not { } earlier)
                    continue; // that stage is null: reported on its own
                else if (answer >= earlier.Count)
                    errors[field] = [$"{match.Value}: stage {stage} has {earlier.Count} prompts (answer0 to answer{earlier.Count - 1})."];
            }
        }
    }

    /// <summary>The length <paramref name="prompt"/> would have with its placeholders filled from <paramref name="answers"/>, without building it.</summary>
    public static long FilledLength(string prompt, List<List<string>> answers)
    {
        long length = prompt.Length;
        foreach (Match match in Placeholder().Matches(prompt))
            length += Answer(match, answers).Length - match.Length;
        return length;
    }

    /// <summary><paramref name="prompt"/> with each placeholder replaced by its answer (validation made sure each exists).</summary>
    public static string Fill(string prompt, List<List<string>> answers) => Placeholder().Replace(prompt, m => Answer(m, answers));

    private static string Answer(Match placeholder, List<List<string>> answers) =>
        answers[int.Parse(placeholder.Groups[1].ValueSpan) - 1][int.Parse(placeholder.Groups[2].ValueSpan)];
}
