using System.Diagnostics.Metrics;
using ChatWeb.Engine.Model;
using ChatWeb.Engine.Scheduling;
using static ChatWeb.Tests.Engine.Scheduling.SchedulerHarness;

namespace ChatWeb.Tests.Engine.Scheduling;

/// <summary>Bad settings stop start-up with a message naming the setting; the meter reports what happens.</summary>
public sealed class InferenceOptionsTests
{
    [Theory]
    [InlineData(nameof(InferenceOptions.MaxConcurrentSequences), 0)]
    [InlineData(nameof(InferenceOptions.QueueSize), -1)]
    [InlineData(nameof(InferenceOptions.ContextLength), 8)]
    [InlineData(nameof(InferenceOptions.KvCacheBudgetMb), 0)]
    [InlineData(nameof(InferenceOptions.Threads), -2)]
    [InlineData(nameof(InferenceOptions.RequestTimeoutSeconds), 0)]
    [InlineData(nameof(InferenceOptions.PromptChunkTokens), 0)]
    public void InvalidSetting_FailsWithItsName(string setting, int value)
    {
        var options = new InferenceOptions();
        typeof(InferenceOptions).GetProperty(setting)!.SetValue(options, value);

        var result = new InferenceOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"ChatWeb:Inference:{setting} is {value}", result.FailureMessage);
    }

    [Fact]
    public void UnknownKvCacheType_FailsNamingTheChoices()
    {
        var result = new InferenceOptionsValidator().Validate(null, new InferenceOptions { KvCacheType = (KvCacheType)7 });

        Assert.Contains("ChatWeb:Inference:KvCacheType is 7; it must be one of F32, F16, Q8_0.", result.FailureMessage);
    }

    [Fact]
    public void DefaultSettings_AreValid() =>
        Assert.True(new InferenceOptionsValidator().Validate(null, new InferenceOptions()).Succeeded);

    [Fact]
    public void PromptLimitBeyondTheContext_IsRefused()
    {
        var result = new InferenceOptionsValidator().Validate(null, new InferenceOptions { ContextLength = 512, MaxPromptTokens = 512 });

        Assert.Contains("MaxPromptTokens is 512; it must be less than ChatWeb:Inference:ContextLength (512)", result.FailureMessage);
    }

    [Fact]
    public void KvBudgetTooSmallForOneConversation_NamesTheSetting()
    {
        // stories260K: 5 layers × 2 × kvDim 32 × 4 bytes = 1280 bytes a token; its 2048-token context needs 2.5 MB
        var options = new InferenceOptions { Threads = 1, KvCacheBudgetMb = 1, ContextLength = 4096 };
        using var model = Transformer.Load(TestPaths.Model("stories260K", "stories260K.gguf"), InferenceScheduler.EngineOptionsFor(options));

        var error = Assert.Throws<InvalidOperationException>(() => new InferenceScheduler(model, options).Dispose());

        Assert.Contains("ChatWeb:Inference:KvCacheBudgetMb = 1 cannot hold one conversation of 2048 tokens", error.Message);
    }

    [Fact]
    public async Task Meter_ReportsFirstTokenLatency_TokensAndRejections()
    {
        var measurements = new List<(string Name, double Value)>();
        var meters = new ScopedMeterFactory();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == SchedulerMetrics.MeterName && instrument.Meter.Scope == meters) // this test's scheduler only
                l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<double>((i, v, _, _) => { lock (measurements) measurements.Add((i.Name, v)); });
        listener.SetMeasurementEventCallback<long>((i, v, _, _) => { lock (measurements) measurements.Add((i.Name, v)); });
        listener.SetMeasurementEventCallback<int>((i, v, _, _) => { lock (measurements) measurements.Add((i.Name, v)); });
        listener.Start();

        using var harness = Stories(meters: meters);
        await TokensAsync(harness.Scheduler.Submit(Request([1], maxNewTokens: 10)));
        Assert.Throws<PromptTooLongException>(() => harness.Scheduler.Submit(Request(Enumerable.Repeat(1, 250).ToArray())));
        listener.RecordObservableInstruments();

        lock (measurements)
        {
            Assert.Single(measurements, m => m.Name == "chatweb.inference.time_to_first_token");
            Assert.Equal(9, measurements.Count(m => m.Name == "chatweb.inference.inter_token_latency"));
            Assert.Equal(10, measurements.Where(m => m.Name == "chatweb.inference.tokens.generated").Sum(m => m.Value));
            Assert.Equal(1, measurements.Where(m => m.Name == "chatweb.inference.requests.rejected").Sum(m => m.Value));
            Assert.Contains(measurements, m => m.Name == "chatweb.inference.sequences.active" && m.Value == 0);
            Assert.Contains(measurements, m => m.Name == "chatweb.inference.kv_cache.size" && m.Value > 0);
        }
    }
}
