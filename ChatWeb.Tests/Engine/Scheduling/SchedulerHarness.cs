using System.Diagnostics.Metrics;
using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Scheduling;
using ChatWeb.Tests.Engine.Model;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>A scheduler over a real model (stories260K or a synthetic one) with a test-controlled engine and clock.</summary>
internal sealed class SchedulerHarness : IDisposable
{
    private SchedulerHarness(Transformer model, InferenceOptions options, IMeterFactory? meters = null)
    {
        Options = options;
        Engine = new ControlledEngine(model);
        Scheduler = new InferenceScheduler(Engine, options, Time, meters);
    }

    public ManualTimeProvider Time { get; } = new();
    public ControlledEngine Engine { get; }
    public InferenceScheduler Scheduler { get; }
    public InferenceOptions Options { get; }

    public static InferenceOptions DefaultOptions() => new()
    {
        Threads = 1,
        MaxConcurrentSequences = 4,
        QueueSize = 16,
        ContextLength = 256,
        KvCacheBudgetMb = 64,
        PromptChunkTokens = 8,
    };

    public static SchedulerHarness Stories(Action<InferenceOptions>? configure = null, IMeterFactory? meters = null)
    {
        var options = DefaultOptions();
        configure?.Invoke(options);
        return new SchedulerHarness(
            Transformer.Load(TestPaths.Model("stories260K", "stories260K.gguf"), InferenceScheduler.EngineOptionsFor(options)), options, meters);
    }

    public static SchedulerHarness Synthetic(string architecture, Action<InferenceOptions>? configure = null)
    {
        var options = DefaultOptions();
        configure?.Invoke(options);
        var gguf = ArchitectureTests.Make(architecture).Build().ToGguf();
        return new SchedulerHarness(Transformer.Load(GgufFile.FromBytes(gguf), InferenceScheduler.EngineOptionsFor(options)), options);
    }

    public static GenerationRequest Request(int[] prompt, int maxNewTokens = 20, string session = "s1", params int[] stopTokens) => new()
    {
        PromptTokens = prompt,
        MaxNewTokens = maxNewTokens,
        Owner = session,
        StopTokens = stopTokens,
    };

    /// <summary>Every token the generation streams, until it ends.</summary>
    public static async Task<List<int>> TokensAsync(Generation generation)
    {
        var tokens = new List<int>();
        await foreach (var update in generation.ReadAllAsync().WithCancellation(Timeout()))
        {
            if (update.Token >= 0)
                tokens.Add(update.Token);
        }
        return tokens;
    }

    /// <summary>Waits until the generation has streamed its first token.</summary>
    public static async Task FirstTokenAsync(Generation generation)
    {
        await foreach (var update in generation.ReadAllAsync().WithCancellation(Timeout()))
        {
            if (update.Token >= 0)
                return;
        }
    }

    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(120)).Token;

    public void Dispose()
    {
        Engine.Run();
        Scheduler.Dispose();
        Engine.Dispose();
    }
}
