using ChatWeb.Engine.Hosting;
using ChatWeb.Engine.Gguf;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Hosting;

/// <summary>The model loads on a thread of its own; the state says how far it has come, then ready, or demo and why.</summary>
public sealed class ModelHostTests
{
    private static readonly string Stories = TestPaths.Model("stories260K", "stories260K.gguf");

    /// <summary>A host over <paramref name="path"/>, and every state it publishes (in order; read them after the load has ended).</summary>
    private static (ModelHost Host, IInferenceStatus State, List<InferenceStatus> Seen, ServiceProvider Services) Host(string path)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .Configure<InferenceOptions>(o => o.Threads = 1)
            .BuildServiceProvider();
        var options = new ModelOptions { Path = path, Threads = 1 };
        var host = new ModelHost(options, ModelHost.InitialStatus(options, null), LocalModel.Load, services, TimeProvider.System, NullLogger<ModelHost>.Instance);
        var seen = new List<InferenceStatus>();
        host.Changed += seen.Add;
        return (host, host, seen, services);
    }

    [Fact]
    public async Task Stories260K_LoadsInTheBackground_ThroughItsStages_ToReady()
    {
        var (host, state, seen, services) = Host(Stories);
        using var _ = services;
        using var __ = host;
        Assert.Equal("loading", state.Current.State); // before the load starts: the page has something to show at once
        Assert.Equal("stories260K", state.Current.Model);
        Assert.Null(host.Loaded);

        await host.StartAsync(CancellationToken.None); // returns at once; the load runs on
        await host.LoadAsync();

        Assert.Equal("ready", state.Current.State);
        Assert.True(state.Current.ModelLoaded);
        Assert.Equal(((LocalModel)host.Loaded!.Model).Name, state.Current.Model);
        Assert.Equal(
            [ModelLoadProgress.Opening, ModelLoadProgress.Checking, ModelLoadProgress.BuildingTokenizer, ModelLoadProgress.ReadingWeights, ModelLoadProgress.Starting],
            seen.Where(s => s.Loading is not null).Select(s => s.Loading!.Stage).Distinct());
        Assert.Same(state.Current, seen[^1]);

        // Reading reports the real bytes: all of the tensors' bytes by the end.
        long weightBytes;
        using (var file = GgufFile.Open(Stories))
            weightBytes = file.Tensors.Sum(t => t.ByteSize);
        var reading = seen.Select(s => s.Loading).Where(p => p?.Stage == ModelLoadProgress.ReadingWeights).ToList();
        Assert.Equal(0, reading[0]!.BytesRead);
        Assert.Equal((weightBytes, weightBytes), (reading[^1]!.BytesRead, reading[^1]!.BytesTotal));
        Assert.Equal(100, reading[^1]!.Percent);

        // What needs the model now exists: it answers.
        var answer = await host.Loaded.Client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")],
            new ChatOptions { MaxOutputTokens = 8, Temperature = 0 });
        Assert.False(string.IsNullOrWhiteSpace(answer.Text));
    }

    [Fact]
    public async Task FileThatIsNotAModel_GoesFromLoadingToDemo_SayingWhy()
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatweb-bad-model-{Guid.NewGuid():N}.gguf");
        await File.WriteAllBytesAsync(path, [.. "GGUF"u8, 3, 0, 0, 0, 0xFF]); // GGUF magic, version 3, then cut off
        try
        {
            var (host, state, seen, services) = Host(path);
            using var _ = services;
            using var __ = host;
            Assert.Equal("loading", state.Current.State);

            await host.LoadAsync();

            Assert.Equal("demo", state.Current.State);
            Assert.Contains($"The model '{path}' could not be loaded:", state.Current.Reason);
            Assert.Null(host.Loaded);
            Assert.Equal(ModelLoadProgress.Opening, seen[0].Loading?.Stage);
            Assert.Same(state.Current, seen[^1]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task FileOfAnUnsupportedArchitecture_GoesToDemo_NamingTheArchitecture()
    {
        var path = Path.Combine(Path.GetTempPath(), $"chatweb-mamba-{Guid.NewGuid():N}.gguf");
        await File.WriteAllBytesAsync(path, new ChatWeb.Tests.Engine.Model.SyntheticModel { Architecture = "mamba" }.Build().ToGguf());
        try
        {
            var (host, state, _, services) = Host(path);
            using var _ = services;
            using var __ = host;

            await host.LoadAsync();

            Assert.Equal("demo", state.Current.State);
            Assert.Contains("Architecture 'mamba' is not supported (supported: llama, qwen2, qwen3, phi3, gemma2, gemma3)", state.Current.Reason);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task WithoutAModel_TheStateIsDemoFromTheStart_AndLoadingChangesNothing()
    {
        using var services = new ServiceCollection().BuildServiceProvider();
        using var host = new ModelHost(null, ModelHost.InitialStatus(null, "No model configured (set ChatWeb:Model:Path or pass --model <file.gguf>)."),
            (_, _, _) => throw new InvalidOperationException("nothing to load"), services, TimeProvider.System, NullLogger<ModelHost>.Instance);
        var state = (IInferenceStatus)host;
        var changes = 0;
        state.Changed += _ => changes++;

        await host.LoadAsync();

        Assert.Equal("demo", state.Current.State);
        Assert.Contains("ChatWeb:Model:Path", state.Current.Reason);
        Assert.Equal(0, changes);
    }

    [Fact]
    public void WeightPrefetch_ReportsTheBytesReadAsItGoes_UpToEveryTensorByte()
    {
        using var file = GgufFile.Open(Stories);
        var reports = new List<(long Read, long Total)>();

        WeightPrefetch.Read(file, (read, total) => reports.Add((read, total)), CancellationToken.None, reportEvery: 64 * 1024);

        var total = file.Tensors.Sum(t => t.ByteSize);
        Assert.True(reports.Count > 5, $"expected progress in several steps, got {reports.Count}");
        Assert.Equal((0, total), reports[0]);
        Assert.Equal((total, total), reports[^1]);
        Assert.All(reports, r => Assert.Equal(total, r.Total));
        Assert.True(reports.Zip(reports.Skip(1)).All(p => p.Second.Read > p.First.Read), "the bytes read only grow");
    }

    [Fact]
    public void WeightPrefetch_StopsWhenCancelled()
    {
        using var file = GgufFile.Open(Stories);
        using var cancel = new CancellationTokenSource();

        Assert.Throws<OperationCanceledException>(() =>
            WeightPrefetch.Read(file, (read, _) => { if (read > 0) cancel.Cancel(); }, cancel.Token, reportEvery: 64 * 1024));
    }
}
