using System.Diagnostics.Metrics;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Onnx;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.Options;

namespace ChatWeb.Engine.Hosting;

/// <summary>
/// Owns the chat backend from start-up on. The server listens at once while this hosted service loads
/// the configured model (a GGUF file on ChatWeb's engine, an ONNX Runtime GenAI folder on ONNX Runtime) on a
/// thread of its own, publishing each stage and the share of the weights
/// read as its <see cref="IInferenceStatus"/>: loading → ready, or loading → demo with the reason when the
/// file cannot be used. Once the model is there it builds what needs it (<see cref="Loaded"/>: the inference
/// scheduler, the GGUF chat client, the exact token counter). On shutdown it stops the scheduler (every
/// request ends) and, when disposed, frees the model.
/// </summary>
/// <remarks>
/// Threads: the loading thread alone reports progress and sets <see cref="Loaded"/> (once, before the
/// state says ready); anyone may read <see cref="Loaded"/> and the state.
/// </remarks>
internal sealed partial class ModelHost : IInferenceStatus, IHostedService, IDisposable
{
    private readonly ModelOptions? _options;
    private volatile InferenceStatus _current;
    private readonly ModelLoad _load;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<ModelHost> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Task? _loading;                 // under _gate
    private LoadedModel? _loaded;           // set once by the loading thread
    private long _readingSince;             // loading thread only: when the first weight bytes were read
    private ModelLoadProgress? _published;  // loading thread only: the last progress put in the state
    private int _disposed;

    /// <param name="options">The model to load (its path checked to exist); null when there is none, and the state says why.</param>
    /// <param name="initial">The status before loading starts (<see cref="InitialStatus"/>).</param>
    public ModelHost(ModelOptions? options, InferenceStatus initial, ModelLoad load, IServiceProvider services, TimeProvider time, ILogger<ModelHost> logger)
    {
        _options = options;
        _current = initial;
        _load = load;
        _services = services;
        _time = time;
        _logger = logger;
    }

    /// <summary>The loaded model and what runs it; null while loading and in demo mode.</summary>
    public LoadedModel? Loaded => Volatile.Read(ref _loaded);

    public InferenceStatus Current => _current;

    public event Action<InferenceStatus>? Changed;

    /// <summary>Only the loading thread (and tests) set the status.</summary>
    internal void Set(InferenceStatus status)
    {
        _current = status;
        Changed?.Invoke(status);
    }

    public bool IsQueueFull(out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        return Loaded?.Scheduler is { } scheduler && scheduler.IsFull(out retryAfter);
    }

    public SchedulerSnapshot? Snapshot() => Loaded?.Scheduler.Snapshot();

    public Task WhenLoaded() => LoadAsync();

    /// <summary>The state before loading starts: loading the file named in <paramref name="options"/>, or demo with <paramref name="reason"/>.</summary>
    public static InferenceStatus InitialStatus(ModelOptions? options, string? reason) =>
        options?.Path is not { } path ? InferenceStatus.Demo(reason ?? "No model configured.")
        : OnnxModelFolder.IsModelFolder(path)
            ? InferenceStatus.LoadingModel(options.Alias ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))),
                new ModelLoadProgress(ModelLoadProgress.ReadingConfig, 0, 0), "onnx")
            : InferenceStatus.LoadingModel(options.Alias ?? Path.GetFileNameWithoutExtension(path), new ModelLoadProgress(ModelLoadProgress.Opening, 0, 0));

    /// <summary>Starts loading without waiting for it: the server starts listening at once.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = LoadAsync();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Starts loading (the first call only) and returns the load, which ends once the state is ready or
    /// demo; it never throws. A web app does not wait for it; terminal commands do.
    /// </summary>
    public Task LoadAsync()
    {
        lock (_gate)
            return _loading ??= Task.Factory.StartNew(Load, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Load()
    {
        if (_options?.Path is not { } path)
        {
            LogDemo(_logger, Current.Reason ?? "");
            return;
        }

        var started = _time.GetTimestamp();
        var onnx = OnnxModelFolder.IsModelFolder(path);
        IDisposable? model = null;
        try
        {
            LogLoading(_logger, path);
            LoadedModel loaded;
            string name;
            if (onnx)
            {
                var onnxModel = OnnxModel.Load(_options, Report, _stopping.Token);
                (model, name) = (onnxModel, onnxModel.Name);
                loaded = StartOnnx(onnxModel);
            }
            else
            {
                var localModel = _load(_options, Report, _stopping.Token);
                (model, name) = (localModel, localModel.Name);
                loaded = StartGguf(localModel);
            }
            Volatile.Write(ref _loaded, loaded);
            name = _options.Alias ?? name;
            Set(InferenceStatus.Ready(name, onnx ? "onnx" : "gguf"));
            LogReady(_logger, name, _time.GetElapsedTime(started).TotalSeconds);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            model?.Dispose(); // shutting down while loading: no model will answer
            Set(InferenceStatus.Demo("The server is shutting down; the model was not loaded."));
        }
        catch (Exception e) // any failure to load leaves the app usable: demo mode, with the reason shown
        {
            model?.Dispose();
            var reason = e is FileNotFoundException or OnnxModelException ? e.Message : $"The model '{path}' could not be loaded: {e.Message}";
            Set(InferenceStatus.Demo(reason));
            LogDemo(_logger, reason);
        }
    }

    /// <summary>ChatWeb's engine: the batching scheduler over the transformer, and the chat client over it.</summary>
    private LoadedModel StartGguf(LocalModel model)
    {
        Report(new ModelLoadProgress(ModelLoadProgress.Starting, _published?.BytesTotal ?? 0, _published?.BytesTotal ?? 0));
        var scheduler = _services.CreateInferenceScheduler(model);
        try
        {
            var client = new GgufChatClient(model, scheduler, _services.GetRequiredService<ILogger<GgufChatClient>>());
            return new LoadedModel(model, scheduler, client, new ModelTokenCounter(model.Tokenizer, scheduler.ContextLength));
        }
        catch
        {
            scheduler.Dispose();
            throw;
        }
    }

    /// <summary>ONNX Runtime GenAI: the generator scheduler over the model, and the same chat client as for GGUF.</summary>
    private LoadedModel StartOnnx(OnnxModel model)
    {
        Report(new ModelLoadProgress(ModelLoadProgress.Starting, _published?.BytesTotal ?? 0, _published?.BytesTotal ?? 0));
        var scheduler = new OnnxScheduler(model, _services.GetRequiredService<IOptions<InferenceOptions>>().Value.ForModel(_options!),
            _services.GetRequiredService<TimeProvider>(), _services.GetService<IMeterFactory>(), _services.GetRequiredService<ILogger<OnnxScheduler>>());
        try
        {
            var client = new GgufChatClient(model.Name, model.Tokenizer, model.ChatTemplate, model.Options, scheduler,
                model.Folder.EosTokenIds, _services.GetRequiredService<ILogger<GgufChatClient>>());
            return new LoadedModel(model, scheduler, client, new ModelTokenCounter(model.Tokenizer, scheduler.ContextLength));
        }
        catch
        {
            scheduler.Dispose();
            throw;
        }
    }

    /// <summary>Puts a new stage, or a new whole percent, in the state, with the time left estimated from the reading speed so far.</summary>
    private void Report(ModelLoadProgress progress)
    {
        var reading = progress.Stage == ModelLoadProgress.ReadingWeights;
        if (reading && _readingSince == 0)
            _readingSince = _time.GetTimestamp();
        if (_published is { } last && last.Stage == progress.Stage && last.Percent == progress.Percent)
            return;
        if (reading && progress.BytesRead > 0 && progress.Remaining is null)
            progress = progress with
            {
                Remaining = _time.GetElapsedTime(_readingSince) * ((double)(progress.BytesTotal - progress.BytesRead) / progress.BytesRead),
            };
        _published = progress;
        Set(InferenceStatus.LoadingModel(Current.Model ?? "", progress, Current.Backend));
    }

    /// <summary>Stops a load in progress and the scheduler: queued and running requests end ("the server is shutting down").</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync(); // (never disposed: a host may stop this after the container disposed it)
        if (_loading is { } loading)
            await loading.WaitAsync(cancellationToken);
        Loaded?.Scheduler.Dispose();
    }

    /// <summary>Frees the model; safe to call twice (the container disposes this as the model host and as a hosted service).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _stopping.Cancel();
        _loading?.Wait();
        if (Loaded is { } loaded)
        {
            loaded.Scheduler.Dispose();
            loaded.Model.Dispose();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat backend: loading the model '{Path}' (the server answers meanwhile).")]
    private static partial void LogLoading(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Chat backend: local model '{Model}', loaded in {Seconds:0.0} s.")]
    private static partial void LogReady(ILogger logger, string model, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Chat backend: demo mode. {Reason}")]
    private static partial void LogDemo(ILogger logger, string reason);
}

