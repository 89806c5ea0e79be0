using ChatWeb.Chat;
using System.Text.RegularExpressions;
using ChatWeb.Api.Chat;
using ChatWeb.Api.Conversations;

namespace ChatWeb.Api.Chains;

/// <summary>
/// The body of <c>POST /api/chains</c>: stages of prompts. The prompts of a stage run at once; the
/// stages run in order; a prompt may quote an earlier answer as <c>{{stage1.answer0}}</c>
/// (stages count from 1, answers within a stage from 0).
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
            if (string.IsNullOrWhiteSpace(prompts[p]))
            {
                errors[$"stages[{s}][{p}]"] = ["A prompt must not be empty."];
                continue;
            }
            foreach (Match match in Placeholder().Matches(prompts[p]))
            {
                var stage = int.Parse(match.Groups[1].ValueSpan);
                var answer = int.Parse(match.Groups[2].ValueSpan);
                if (stage < 1 || stage > s)
                    errors[$"stages[{s}][{p}]"] = [$"{match.Value} must name an earlier stage (stage1 to stage{s}); stages count from 1."];
                else if (answer >= Stages[stage - 1].Count)
                    errors[$"stages[{s}][{p}]"] = [$"{match.Value}: stage {stage} has {Stages[stage - 1].Count} prompts (answer0 to answer{Stages[stage - 1].Count - 1})."];
            }
        }
    }
}
