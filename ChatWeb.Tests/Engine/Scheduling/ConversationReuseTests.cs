using System.Diagnostics.Metrics;
using ChatWeb.Engine.Scheduling;
using static ChatWeb.Tests.Engine.Scheduling.SchedulerHarness;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>
/// An owner's next turn continues from its kept conversation: only the new tokens are read, the answer is the one
/// a fresh reading gives, and kept conversations give way to new ones least recently used first.
/// </summary>
public sealed class ConversationReuseTests
{
    private static readonly int[] FirstPrompt = [1, 403, 407, 261, 300, 301];
    private static readonly int[] NewMessage = [310, 311, 312, 313, 314];

    [Fact]
    public async Task NextTurn_OfTheSameOwner_ReadsOnlyItsNewTokens_AndAnswersAsAFreshReading()
    {
        using var meters = new ScopedMeterFactory();
        long reusedMeasured = 0;
        using var listener = ReusedTokensListener(meters, v => Interlocked.Add(ref reusedMeasured, v));
        using var harness = Stories(meters: meters);
        var answer = await TokensAsync(harness.Scheduler.Submit(Request(FirstPrompt, maxNewTokens: 20, session: "alice")));
        int[] secondPrompt = [.. FirstPrompt, .. answer, .. NewMessage];
        var stepsBefore = harness.Engine.Steps.Count;

        var second = harness.Scheduler.Submit(Request(secondPrompt, maxNewTokens: 20, session: "alice"));
        var progress = new List<GenerationProgress>();
        var tokens = new List<int>();
        await foreach (var update in second.ReadAllAsync().WithCancellation(SchedulerHarness.Timeout()))
        {
            progress.Add(update.Progress);
            if (update.Token >= 0)
                tokens.Add(update.Token);
        }
        var promptRows = harness.Engine.Steps.Skip(stepsBefore).Sum(rows => rows.Count(r => !r.WantLogits)) + 1;
        var fresh = harness.Scheduler.Submit(Request(secondPrompt, maxNewTokens: 20, session: "bob"));

        // the cache held the first prompt and the answer but its last token (never fed: the answer ended at its length)
        var expectedRead = NewMessage.Length + 1;
        Assert.Equal(expectedRead, promptRows);
        Assert.All(progress.Where(p => p.State != GenerationState.Queued), p => Assert.Equal(expectedRead, p.PromptTokens));
        Assert.Equal(await TokensAsync(fresh), tokens);
        Assert.Equal(secondPrompt.Length, fresh.Progress.PromptTokens); // another owner reads it all
        listener.RecordObservableInstruments();
        Assert.Equal(secondPrompt.Length - expectedRead, Interlocked.Read(ref reusedMeasured));
    }

    [Theory]
    [InlineData("llama", true)]
    [InlineData("qwen2", true)]
    [InlineData("gemma3", false)] // sliding window 3: its ring no longer holds what lies 19 tokens back
    public async Task EditedTurn_SharingOnlyTheFirstPrompt_AnswersAsAFreshReading(string architecture, bool reused)
    {
        using var harness = Synthetic(architecture);
        int[] first = [1, 2, 3, 4, 5];
        var answer = await TokensAsync(harness.Scheduler.Submit(Request(first, maxNewTokens: 20, session: "alice")));
        int[] edited = [.. first, 7, 7, 9, 30, 31];

        var again = harness.Scheduler.Submit(Request(edited, maxNewTokens: 12, session: "alice"));
        var tokens = await TokensAsync(again);
        var fresh = await TokensAsync(harness.Scheduler.Submit(Request(edited, maxNewTokens: 12, session: "bob")));

        Assert.Equal(20, answer.Count);
        Assert.Equal(fresh, tokens);
        Assert.Equal(reused ? edited.Length - first.Length : edited.Length, again.Progress.PromptTokens);
    }

    [Fact]
    public async Task KeptCacheTooSmallForTheNextTurn_IsCopiedIntoALargerOne_WithTheSameAnswer()
    {
        using var harness = Stories(o => o.ContextLength = 512);
        var answer = await TokensAsync(harness.Scheduler.Submit(Request(FirstPrompt, maxNewTokens: 20, session: "alice"))); // a 256-token cache
        int[] secondPrompt = [.. FirstPrompt, .. answer, .. NewMessage];

        var second = harness.Scheduler.Submit(Request(secondPrompt, maxNewTokens: 240, session: "alice")); // needs 512
        var tokens = await TokensAsync(second);
        var fresh = await TokensAsync(harness.Scheduler.Submit(Request(secondPrompt, maxNewTokens: 240, session: "bob")));

        Assert.Equal(NewMessage.Length + 1, second.Progress.PromptTokens);
        Assert.Equal(fresh, tokens);
        Assert.Contains(harness.Engine.Steps, rows => rows[0].Sequence.Capacity == 512);
    }

    [Fact]
    public async Task FullBudget_DropsTheLeastRecentlyUsedConversationFirst()
    {
        using var harness = Stories(o => (o.MaxConcurrentSequences, o.KvCacheBudgetMb) = (1, 1));
        var fits = (int)(1024 * 1024 / harness.Engine.KvCacheBytes(256)); // caches of 256 tokens (this harness's context)
        Assert.InRange(fits, 2, 20);
        var answers = new List<int>[fits + 1];
        for (var owner = 0; owner <= fits; owner++) // the last one needs the first one's memory
            answers[owner] = await TokensAsync(harness.Scheduler.Submit(Request(FirstPrompt, maxNewTokens: 10, session: $"o{owner}")));

        var second = harness.Scheduler.Submit(Request([.. FirstPrompt, .. answers[1], .. NewMessage], maxNewTokens: 5, session: "o1"));
        await second.Completion;
        var first = harness.Scheduler.Submit(Request([.. FirstPrompt, .. answers[0], .. NewMessage], maxNewTokens: 5, session: "o0"));
        await first.Completion;

        Assert.Equal(NewMessage.Length + 1, second.Progress.PromptTokens); // o1 was kept
        Assert.Equal(FirstPrompt.Length + 10 + NewMessage.Length, first.Progress.PromptTokens); // o0 was dropped for the newest owner
        var snapshot = harness.Scheduler.Snapshot();
        Assert.True(snapshot.KvCacheAllocatedBytes <= snapshot.KvCacheBudgetBytes);
    }

    private static MeterListener ReusedTokensListener(IMeterFactory meters, Action<long> measured)
    {
        var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "chatweb.inference.prompt_tokens.reused" && instrument.Meter.Scope == meters)
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, v, _, _) => measured(v));
        listener.Start();
        return listener;
    }
}
