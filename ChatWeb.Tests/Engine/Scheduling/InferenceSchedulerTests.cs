using ChatWeb.Engine.Scheduling;
using static ChatWeb.Tests.Engine.Scheduling.SchedulerHarness;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>The scheduler with a real model: batching changes nothing in the answers; limits, order, cancellation and faults behave.</summary>
public sealed class InferenceSchedulerTests
{
    private static readonly int[][] StoriesPrompts =
    [
        [1],
        [1, 403, 407, 261],
        [1, 300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319],
        [1, 378, 432],
        [1, 261, 262, 263, 264, 265, 266, 267, 268, 269, 270],
        [1, 500],
    ];

    [Fact]
    public async Task Stories260K_BatchedGreedyTokens_EqualEachRequestAlone()
    {
        var alone = new List<List<int>>();
        using (var single = Stories(o => o.MaxConcurrentSequences = 1))
        {
            foreach (var prompt in StoriesPrompts)
                alone.Add(await TokensAsync(single.Scheduler.Submit(Request(prompt, maxNewTokens: 40))));
        }

        using var batched = Stories(o => o.PromptChunkTokens = 5);
        var together = StoriesPrompts.Select((p, i) => batched.Scheduler.Submit(Request(p, maxNewTokens: 40, session: $"s{i}"))).ToList();
        var answers = await Task.WhenAll(together.Select(TokensAsync));

        Assert.Equal(alone, answers);
        Assert.All(answers, a => Assert.Equal(40, a.Count));
        // several requests really shared steps, and prompt chunks rode along with decode rows
        Assert.Contains(batched.Engine.Steps, rows => rows.Select(r => r.Sequence).Distinct().Count() >= 3);
        Assert.Contains(batched.Engine.Steps, rows => rows.Any(r => !r.WantLogits) && rows.Count(r => r.WantLogits) >= 2);
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen2")]
    [InlineData("qwen3")]
    public async Task SyntheticModels_BatchedGreedyTokens_EqualEachRequestAlone(string architecture)
    {
        int[][] prompts = [[1, 2, 3], [7], [30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 20, 21], [9, 9]];
        var alone = new List<List<int>>();
        using (var single = Synthetic(architecture, o => o.MaxConcurrentSequences = 1))
        {
            foreach (var prompt in prompts)
                alone.Add(await TokensAsync(single.Scheduler.Submit(Request(prompt, maxNewTokens: 12))));
        }

        using var batched = Synthetic(architecture, o => o.PromptChunkTokens = 3);
        var answers = await Task.WhenAll(prompts.Select((p, i) => TokensAsync(batched.Scheduler.Submit(Request(p, maxNewTokens: 12, session: $"s{i}")))));

        Assert.Equal(alone, answers);
    }

    [Fact]
    public async Task StopToken_EndsTheAnswer_WithoutStreamingIt()
    {
        using var harness = Stories();
        var free = await TokensAsync(harness.Scheduler.Submit(Request([1], maxNewTokens: 30)));
        var stop = free[10];

        var generation = harness.Scheduler.Submit(Request([1], maxNewTokens: 30, stopTokens: stop));
        var tokens = await TokensAsync(generation);

        Assert.Equal(free.TakeWhile(t => t != stop), tokens);
        Assert.Equal(FinishReason.Stop, await generation.Completion);
    }

    [Fact]
    public async Task LongPrompt_IsProcessedInChunks_WhileAnotherAnswerKeepsStreaming()
    {
        using var harness = Stories(o => o.PromptChunkTokens = 4);
        // long enough to outlast the prompt's 10 steps even when a busy machine delays the second submit
        var running = harness.Scheduler.Submit(Request([1], maxNewTokens: 200, session: "a"));
        await FirstTokenAsync(running);
        var stepsBefore = harness.Engine.Steps.Count;

        var longPrompt = Enumerable.Range(0, 40).Select(i => 1 + i * 7 % 500).ToArray();
        var progress = new List<GenerationProgress>();
        var late = harness.Scheduler.Submit(Request(longPrompt, maxNewTokens: 5, session: "b"));
        await foreach (var update in late.ReadAllAsync().WithCancellation(SchedulerHarness.Timeout()))
            progress.Add(update.Progress);
        await running.Completion;

        // the long prompt went in at most 4 tokens per step, and every such step also decoded the running answer
        var promptSteps = harness.Engine.Steps.Skip(stepsBefore).Where(rows => rows.Any(r => !r.WantLogits)).ToList();
        Assert.True(promptSteps.Count >= 9, $"{promptSteps.Count} steps carried prompt tokens");
        Assert.All(promptSteps, rows => Assert.True(rows.Length <= 5 && rows.Count(r => r.WantLogits) >= 1));
        // and the page could show the prompt's progress
        var done = progress.Where(p => p.State == GenerationState.Prompt).Select(p => p.PromptTokensDone).ToList();
        Assert.Contains(4, done);
        Assert.Contains(20, done);
        Assert.All(progress, p => Assert.Equal(40, p.PromptTokens));
    }

    [Fact]
    public async Task FullQueue_RejectsAtOnce_WithRetryAfter()
    {
        using var harness = Stories(o => (o.MaxConcurrentSequences, o.QueueSize) = (1, 2));
        harness.Engine.Hold();
        var running = harness.Scheduler.Submit(Request([1], session: "a"));
        await harness.Engine.WaitForStepAsync();
        harness.Scheduler.Submit(Request([1], session: "b"));
        harness.Scheduler.Submit(Request([1], session: "c"));

        var busy = Assert.Throws<ServerBusyException>(() => harness.Scheduler.Submit(Request([1], session: "d")));

        Assert.InRange(busy.RetryAfterSeconds, 1, 600);
        Assert.Contains("busy; try again in", busy.Message);
        Assert.Equal(1, harness.Scheduler.Snapshot().TotalRejected);
        Assert.Equal(2, harness.Scheduler.Snapshot().QueueLength);
    }

    [Fact]
    public async Task Queue_IsFirstComeFirstServed_AndTellsEachItsPlace()
    {
        using var harness = Stories(o => o.MaxConcurrentSequences = 1);
        harness.Engine.Hold();
        var first = harness.Scheduler.Submit(Request([1], maxNewTokens: 3, session: "a"));
        await harness.Engine.WaitForStepAsync();
        var second = harness.Scheduler.Submit(Request([1, 100, 101], maxNewTokens: 3, session: "b"));
        var third = harness.Scheduler.Submit(Request([1, 110, 111], maxNewTokens: 3, session: "c"));

        Assert.Equal((GenerationState.Queued, 1), (second.Progress.State, second.Progress.QueuePosition));
        Assert.Equal((GenerationState.Queued, 2), (third.Progress.State, third.Progress.QueuePosition));

        harness.Engine.Run();
        await Task.WhenAll(first.Completion, second.Completion, third.Completion);

        // one at a time (MaxConcurrentSequences 1), in order: third's prompt went in only after second's answer was done
        var steps = harness.Engine.Steps;
        var secondStarted = steps.FindIndex(rows => rows.Any(r => r.Token == 100 && !r.WantLogits));
        var thirdStarted = steps.FindIndex(rows => rows.Any(r => r.Token == 110 && !r.WantLogits));
        Assert.True(secondStarted > 0 && thirdStarted > secondStarted + 2, $"second started at step {secondStarted}, third at {thirdStarted}");
        Assert.All(steps, rows => Assert.Single(rows.Select(r => r.Sequence).Distinct()));
    }

    [Fact]
    public async Task SecondRequestOfASession_WaitsBehindItsFirst_WhileOtherSessionsRun()
    {
        using var harness = Stories(o => o.MaxConcurrentSequences = 4);
        harness.Engine.Hold();
        var first = harness.Scheduler.Submit(Request([1], maxNewTokens: 5, session: "alice"));
        await harness.Engine.WaitForStepAsync();
        var second = harness.Scheduler.Submit(Request([1], maxNewTokens: 5, session: "alice"));
        var other = harness.Scheduler.Submit(Request([1], maxNewTokens: 5, session: "bob"));
        harness.Engine.Allow();
        await harness.Engine.WaitForStepAsync(); // the next step has admitted what it could

        Assert.Equal(GenerationState.Queued, second.Progress.State);
        Assert.Equal(1, second.Progress.QueuePosition);
        Assert.Equal(GenerationState.Prompt, other.Progress.State);

        harness.Engine.Run();
        await Task.WhenAll(first.Completion, second.Completion, other.Completion);
        Assert.Equal(5, second.Progress.GeneratedTokens);
    }

    [Fact]
    public async Task FiveHundredCancelledRequests_LeaveNoSlotCacheOrQueueEntryBehind()
    {
        using var harness = Stories(o => (o.MaxConcurrentSequences, o.QueueSize) = (4, 600));
        harness.Engine.Hold(); // step by step, so no answer can finish before it is cancelled
        var cancelled = new List<Generation>();
        var loopHeld = false;
        for (var i = 0; i < 500; i++)
        {
            using var cancel = new CancellationTokenSource();
            var generation = harness.Scheduler.Submit(Request([1, 1 + i % 500], maxNewTokens: 200, session: $"s{i}"), cancel.Token);
            if (i % 2 == 1)
            {
                // odd ones while generating: let steps run until the first token is out
                if (loopHeld)
                    harness.Engine.Allow();
                while (true)
                {
                    await harness.Engine.WaitForStepAsync();
                    if (generation.Progress.GeneratedTokens > 0)
                        break;
                    harness.Engine.Allow();
                }
                loopHeld = true;
            }
            cancel.Cancel(); // even ones while queued
            cancelled.Add(generation);
        }
        harness.Engine.Run();
        var reasons = await Task.WhenAll(cancelled.Select(g => g.Completion));

        Assert.All(reasons, r => Assert.Equal(FinishReason.Cancelled, r));
        var snapshot = harness.Scheduler.Snapshot();
        Assert.Equal((0, 0, 0L), (snapshot.ActiveSequences, snapshot.QueueLength, snapshot.KvCacheInUseBytes));
        Assert.True(snapshot.KvCacheAllocatedBytes <= snapshot.KvCacheBudgetBytes);
        Assert.All(cancelled, g => Assert.Null(harness.Scheduler.GetProgress(g.Id)));
        // and the scheduler still answers
        Assert.Equal(10, (await TokensAsync(harness.Scheduler.Submit(Request([1], maxNewTokens: 10)))).Count);
    }

    [Fact]
    public async Task Timeout_EndsTheRequestWithAMessage_AndFreesItsSlot()
    {
        using var harness = Stories(o => (o.MaxConcurrentSequences, o.RequestTimeoutSeconds) = (1, 30));
        harness.Engine.Hold();
        var slow = harness.Scheduler.Submit(Request([1], maxNewTokens: 200, session: "a"));
        await harness.Engine.WaitForStepAsync();
        harness.Time.Advance(TimeSpan.FromSeconds(20));
        var next = harness.Scheduler.Submit(Request([1, 403], maxNewTokens: 5, session: "b"));

        harness.Time.Advance(TimeSpan.FromSeconds(11)); // slow is past 30 s, next is not
        harness.Engine.Run();

        var error = await Assert.ThrowsAsync<GenerationTimedOutException>(() => TokensAsync(slow));
        Assert.Contains("30 s", error.Message);
        Assert.Equal(FinishReason.TimedOut, await slow.Completion);
        Assert.Equal(5, (await TokensAsync(next)).Count);
        Assert.Equal(0, harness.Scheduler.Snapshot().ActiveSequences);
    }

    [Fact]
    public async Task OnlyTheOwner_CanCancel()
    {
        using var harness = Stories(o => o.MaxConcurrentSequences = 1);
        harness.Engine.Hold();
        var generation = harness.Scheduler.Submit(Request([1], maxNewTokens: 50, session: "owner"));
        await harness.Engine.WaitForStepAsync();

        Assert.False(harness.Scheduler.TryCancel(generation.Id, "intruder"));
        Assert.False(harness.Scheduler.TryCancel(Guid.NewGuid(), "owner"));
        Assert.True(harness.Scheduler.TryCancel(generation.Id, "owner"));
        harness.Engine.Run();

        Assert.Equal(FinishReason.Cancelled, await generation.Completion);
        Assert.True(generation.Progress.GeneratedTokens < 50);
    }

    [Fact]
    public async Task EngineFault_FailsThatRequestWithAMessage_AndTheOthersCarryOn()
    {
        using var reference = Stories();
        var expected = await TokensAsync(reference.Scheduler.Submit(Request([1, 403, 407], maxNewTokens: 30)));

        using var harness = Stories();
        harness.Engine.FaultToken = 499;
        harness.Engine.Hold();
        var good = harness.Scheduler.Submit(Request([1, 403, 407], maxNewTokens: 30, session: "a"));
        var bad = harness.Scheduler.Submit(Request([1, 2, 499], maxNewTokens: 30, session: "b"));
        var goodTokens = TokensAsync(good);
        harness.Engine.Run();

        var error = await Assert.ThrowsAsync<GenerationFailedException>(() => TokensAsync(bad));
        Assert.Contains("injected fault on token 499", error.Message);
        Assert.Equal(FinishReason.Failed, await bad.Completion);
        Assert.Equal(expected, await goodTokens);
        Assert.Equal(0, harness.Scheduler.Snapshot().KvCacheInUseBytes);
    }

    [Fact]
    public void BadRequests_AreRefusedWithClearMessages()
    {
        using var harness = Stories(o => (o.ContextLength, o.MaxPromptTokens) = (256, 100));

        var tooLong = Assert.Throws<PromptTooLongException>(() => harness.Scheduler.Submit(Request(Enumerable.Repeat(1, 101).ToArray())));
        Assert.Contains("at most 100", tooLong.Message);
        Assert.Contains("not in the model's vocabulary", Assert.Throws<ArgumentException>(() => harness.Scheduler.Submit(Request([1, 512]))).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => harness.Scheduler.Submit(Request([]))).Message);
        Assert.Contains("MaxNewTokens", Assert.Throws<ArgumentException>(() => harness.Scheduler.Submit(Request([1], maxNewTokens: 0))).Message);
    }
}
