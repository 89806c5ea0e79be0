using ChatWeb.Engine.Local;
using ChatWeb.Engine.Onnx;
using ChatWeb.Engine.Sampling;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Tests.Engine.Scheduling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using OgaTokenizer = Microsoft.ML.OnnxRuntimeGenAI.Tokenizer;

namespace ChatWeb.Tests.Engine.Onnx;

/// <summary>stories260K as an ONNX Runtime GenAI folder, run by ONNX Runtime behind ChatWeb's scheduler front.</summary>
public sealed class OnnxStoriesTests : IClassFixture<OnnxStoriesTests.Stories>
{
    /// <summary>The model, loaded once for these tests.</summary>
    public sealed class Stories : IDisposable
    {
        internal OnnxModel Model { get; } = OnnxModel.Load(new ModelOptions { Path = Folder, Threads = 1 });

        public void Dispose() => Model.Dispose();
    }

    /// <summary>The 200 greedy ids from BOS that llama2.c's run.c gives (../shared/models/SOURCES.md).</summary>
    internal static readonly int[] ReferenceIds =
    [
        403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401, 396, 267, 337, 410, 408, 419, 292, 411,
        322, 265, 282, 295, 433, 426, 385, 328, 432, 358, 394, 261, 370, 432, 352, 266, 268, 388, 426, 338, 391, 266, 267, 337, 335,
        312, 432, 398, 312, 286, 267, 414, 270, 333, 415, 426, 13, 438, 310, 439, 419, 357, 336, 432, 313, 438, 310, 432, 278, 316,
        439, 419, 298, 414, 267, 265, 282, 295, 433, 426, 436, 317, 286, 296, 418, 269, 279, 292, 416, 439, 413, 409, 416, 327, 263,
        415, 294, 267, 400, 426, 338, 336, 432, 313, 442, 391, 267, 337, 335, 364, 420, 268, 388, 432, 398, 359, 280, 303, 439, 413,
        272, 417, 264, 312, 426, 436, 13, 438, 310, 286, 296, 418, 269, 279, 292, 416, 439, 413, 409, 416, 327, 263, 415, 294, 267,
        400, 426, 338, 336, 432, 313, 442, 439, 423, 262, 304, 420, 422, 432, 317, 426, 359, 279, 292, 416, 439, 413, 409, 416, 327,
        263, 415, 294, 267, 400, 426, 436, 13, 438, 310, 279, 292, 416, 439, 413, 391, 267, 281, 421, 427, 311, 357, 432, 384, 358,
    ];

    public static string Folder => TestPaths.Model("stories260K-onnx");

    private readonly OnnxModel _model;

    public OnnxStoriesTests(Stories stories) => _model = stories.Model;

    private OnnxScheduler Scheduler(int slots = 4) => new(_model, new InferenceOptions { MaxConcurrentSequences = slots, QueueSize = 8, ContextLength = 512 });

    private static GenerationRequest Greedy(int[] prompt, int maxNewTokens, string owner = "s1") =>
        new() { PromptTokens = prompt, MaxNewTokens = maxNewTokens, Owner = owner };

    [Fact]
    public async Task GreedyFromBos_GeneratesTheReferenceIds()
    {
        using var scheduler = Scheduler();

        var tokens = await SchedulerHarness.TokensAsync(scheduler.Submit(Greedy([1], 200)));

        Assert.Equal(ReferenceIds, tokens);
    }

    [Fact]
    public void LogprobsAndConstraints_AreRefused_SayingWhy_BecauseOnnxRuntimeSamplesItself()
    {
        using var scheduler = Scheduler();
        var constraint = new ChatWeb.Engine.Constraints.GrammarConstraint(
            ChatWeb.Engine.Constraints.TokenVocabulary.Of([]), [], ChatWeb.Engine.Constraints.JsonGrammar.AnyObject.Start());

        var logprobs = Assert.Throws<UnsupportedRequestException>(() => scheduler.Submit(Greedy([1], 5) with { Logprobs = 2 }));
        var constrained = Assert.Throws<UnsupportedRequestException>(() => scheduler.Submit(Greedy([1], 5) with { Constraint = constraint }));

        Assert.Contains("log-probabilities", logprobs.Message);
        Assert.Contains("cannot constrain", constrained.Message);
    }

    [Theory]
    [InlineData("Once upon a time, there was a little girl named Lily.")]
    [InlineData("  two  spaces, digits 1234 and é ü 漢字 🙂\nnew line")]
    [InlineData("</s> typed by a user <s>")]
    public void ChatWebsTokenizer_EncodesAsOnnxRuntimesTokenizer(string text)
    {
        using var theirs = new OgaTokenizer(_model.Model);
        using var expected = theirs.Encode(text.Replace("<s>", "").Replace("</s>", "")); // theirs parses special tokens everywhere

        var ours = _model.Tokenizer.Encode(text.Replace("<s>", "").Replace("</s>", ""));

        Assert.Equal(expected[0].ToArray(), ours);
    }

    [Fact]
    public async Task FourConcurrentRequests_EachEqualTheirSoloRun()
    {
        string[] prompts = ["Once upon a time", "Tom had a red ball", "The cat sat", "Lily went to the park"];
        var requests = prompts.Select((p, i) => Greedy([1, .. _model.Tokenizer.Encode(p)], 40, $"owner{i}")).ToArray();
        // one sampled request too: the same seed gives the same tokens alone and in company
        requests[3] = requests[3] with { Sampling = new SamplerOptions { Temperature = 0.9f, TopP = 0.9f, Seed = 42 } };

        var solo = new List<List<int>>();
        using (var alone = Scheduler(slots: 1))
            foreach (var request in requests)
                solo.Add(await SchedulerHarness.TokensAsync(alone.Submit(request)));

        using var scheduler = Scheduler(slots: 4);
        var together = await Task.WhenAll(requests.Select(r => SchedulerHarness.TokensAsync(scheduler.Submit(r))));

        Assert.All(solo, tokens => Assert.Equal(40, tokens.Count));
        Assert.Equal(solo, together);
        Assert.NotEqual(solo[0], solo[1]);
    }

    [Fact]
    public async Task Stop_FreesTheGenerator_AndTheNextRequestRuns()
    {
        using var scheduler = Scheduler(slots: 1);
        using var stop = new CancellationTokenSource();
        var first = scheduler.Submit(Greedy([1], 400, "alice"), stop.Token);
        await SchedulerHarness.FirstTokenAsync(first);

        await stop.CancelAsync();
        var next = await SchedulerHarness.TokensAsync(scheduler.Submit(Greedy([1], 10, "alice")));

        Assert.Equal(FinishReason.Cancelled, await first.Completion);
        Assert.Equal(ReferenceIds[..10], next);
        Assert.Equal(0, scheduler.Snapshot().ActiveSequences);
    }

    [Fact]
    public async Task FullQueue_IsRefusedAsBusy_AndStopTokensEndTheAnswer()
    {
        using var scheduler = new OnnxScheduler(_model, new InferenceOptions { MaxConcurrentSequences = 1, QueueSize = 1 });
        var running = scheduler.Submit(Greedy([1], 400, "a"));
        var queued = scheduler.Submit(Greedy([1], 5, "b") with { StopTokens = [ReferenceIds[2]] });

        Assert.Throws<ServerBusyException>(() => scheduler.Submit(Greedy([1], 5, "c")));
        Assert.True(scheduler.IsFull(out _));
        scheduler.TryCancel(running.Id, "a");
        Assert.Equal(ReferenceIds[..2], await SchedulerHarness.TokensAsync(queued));
        Assert.Equal(FinishReason.Stop, await queued.Completion);
    }

    [Fact]
    public async Task ChatClient_WritesThePromptWithTheModelsTemplate_AndStreamsTheStory()
    {
        using var scheduler = Scheduler();
        using var client = new GgufChatClient(_model.Name, _model.Tokenizer, _model.ChatTemplate, _model.Options, scheduler,
            _model.Folder.EosTokenIds, NullLogger<GgufChatClient>.Instance);

        var updates = await client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 30 }).ToListAsync();

        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        var text = string.Concat(updates.Select(u => u.Text));
        Assert.Equal(5, usage.InputTokenCount); // <s> from the template (no second BOS), then ▁Once ▁upon ▁a ▁time
        Assert.Equal(30, usage.OutputTokenCount);
        Assert.StartsWith(",", text.TrimStart());
        Assert.Equal(ChatFinishReason.Length, updates[^1].FinishReason);
    }
}
