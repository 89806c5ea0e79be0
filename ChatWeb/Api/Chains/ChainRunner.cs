using System.Text;
using System.Threading.Channels;
using ChatWeb.Api.Conversations;
using ChatWeb.Chat;
using ChatWeb.Engine.Chat;
using ChatWeb.Library;
using Microsoft.Extensions.AI;

namespace ChatWeb.Api.Chains;

/// <summary>
/// Runs a prompt chain: stage by stage, the prompts of a stage concurrently, each prompt a fresh
/// single-turn chat built by the <see cref="TurnBuilder"/> (the chain's preset, then its own system
/// prompt) after its placeholders are filled with earlier answers. Every prompt runs for the caller's
/// owner, so the engine's per-owner limit applies. Progress goes to an optional channel; a failing
/// prompt cancels its stage and fails the chain. A filled prompt longer than <see cref="PromptLength"/>
/// fails it before it is built (<see cref="ChainPromptTooLongException"/>).
/// </summary>
internal sealed class ChainRunner(IChatClient client, ISystemPresets presets, TurnBuilder turns, TimeProvider time)
{
    /// <summary>
    /// Runs the chain. <paramref name="started"/>, when given, completes once every prompt of the first stage is in the
    /// engine's queue (its first step came), so a stream can answer a refusal before that with a status code.
    /// </summary>
    public async Task<ChainEvents.ChainDone> RunAsync(ChainRequest request, string owner, ChannelWriter<object>? progress,
        CancellationToken cancellationToken, TaskCompletionSource? started = null)
    {
        // A chain that chooses no system prompt gets the default preset, as a new conversation does.
        var preset = request.Preset is not null ? presets.Find(request.Preset)!.Prompt
            : string.IsNullOrWhiteSpace(request.System) ? presets.Default().Prompt : null;
        string?[] system = [preset, request.System];
        var options = (request.Settings?.ToChatOptions() ?? new ChatOptions()).WithOwner(owner);

        var answers = new List<List<string>>();
        int promptTokens = 0, completionTokens = 0;
        for (var s = 0; s < request.Stages!.Count; s++)
        {
            using var stageCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var stage = s + 1;
            var filled = request.Stages[s].Select((prompt, p) => Filled(stage, p, prompt, answers)).ToList();
            var queued = new Countdown(filled.Count, s == 0 ? started : null);
            var runs = filled.Select((prompt, p) =>
                RunPromptAsync(stage, p, prompt, system, options, progress, stageCancel, queued)).ToArray();
            var results = await Task.WhenAll(runs);
            answers.Add(results.Select(r => r.Answer).ToList());
            promptTokens += results.Sum(r => r.Usage.PromptTokens);
            completionTokens += results.Sum(r => r.Usage.CompletionTokens);
        }
        return new ChainEvents.ChainDone(answers, new ChatUsage(promptTokens, completionTokens));
    }

    private async Task<(string Answer, ChatUsage Usage)> RunPromptAsync(int stage, int index, string prompt, string?[] system,
        ChatOptions options, ChannelWriter<object>? progress, CancellationTokenSource stageCancel, Countdown queued)
    {
        var answer = new StringBuilder();
        var inQueue = false;
        try
        {
            var messages = turns.Build(system, [new ChatMessage(ChatRole.User, prompt)]).Messages;
            await foreach (var step in ChatStepStream.StreamAsync(client, messages, options.Clone(), time, stageCancel.Token))
            {
                if (!inQueue)
                {
                    inQueue = true;
                    queued.Signal();
                }
                switch (step)
                {
                    case ThinkingToken t when progress is not null:
                        await progress.WriteAsync(new ChainEvents.TokenEvent(stage, index, t.Text, "thinking"), stageCancel.Token);
                        break;
                    case AnswerToken a:
                        answer.Append(a.Text);
                        if (progress is not null)
                            await progress.WriteAsync(new ChainEvents.TokenEvent(stage, index, a.Text, "answer"), stageCancel.Token);
                        break;
                    case ChatCompleted done:
                        if (progress is not null)
                            await progress.WriteAsync(new ChainEvents.PromptDone(stage, index, answer.ToString(), done.FinishReason, done.Usage), stageCancel.Token);
                        return (answer.ToString(), done.Usage);
                }
            }
            throw new InvalidOperationException("The reply ended without completing.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await stageCancel.CancelAsync();
            throw new InvalidOperationException($"Stage {stage}, prompt {index} failed: {e.Message}", e);
        }
    }

    /// <summary>The prompt with its placeholders filled, when the result is not too long (measured first, then built).</summary>
    private static string Filled(int stage, int index, string prompt, List<List<string>> answers)
    {
        if (PromptLength.Problem(ChainRequest.FilledLength(prompt, answers)) is { } tooLong)
            throw new ChainPromptTooLongException($"stages[{stage - 1}][{index}]", $"Stage {stage}, prompt {index}, with its placeholders filled: {tooLong}");
        return ChainRequest.Fill(prompt, answers);
    }

    /// <summary>Completes <paramref name="done"/> once each of <paramref name="count"/> prompts has signalled once.</summary>
    private sealed class Countdown(int count, TaskCompletionSource? done)
    {
        private int _left = count;

        public void Signal()
        {
            if (Interlocked.Decrement(ref _left) == 0)
                done?.TrySetResult();
        }
    }
}

/// <summary>A chain prompt too long once its placeholders are filled: a 400 naming the prompt, or an error event once streaming.</summary>
internal sealed class ChainPromptTooLongException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
