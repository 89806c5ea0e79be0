using System.Diagnostics.Metrics;
using ChatWeb.Engine.Remote;
using ChatWeb.Engine.Scheduling;
using Microsoft.Extensions.Options;

namespace ChatWeb.Inference.Remote;

/// <summary>The configured remote models (<c>ChatWeb:Backends</c>), each a <see cref="RemoteChatClient"/>, in configuration order.</summary>
internal sealed class RemoteBackends : IDisposable
{
    private readonly List<(RemoteChatClient Client, HttpClient Http)> _backends = [];

    public RemoteBackends(IOptions<BackendsOptions> options, TimeProvider time, IMeterFactory meters, ILogger<RemoteChatClient> logger)
    {
        foreach (var backend in options.Value.Backends)
        {
            var http = OpenAiEndpoints.CreateHttpClient(backend);
            var settings = new RemoteModelSettings
            {
                Name = backend.Name!,
                Limits = new InferenceOptions
                {
                    MaxConcurrentSequences = backend.MaxConcurrentRequests,
                    QueueSize = backend.QueueSize,
                    MaxActivePerOwner = backend.MaxActivePerOwner,
                    ContextLength = backend.ContextTokens,
                    RequestTimeoutSeconds = backend.RequestTimeoutSeconds,
                },
                FirstTokenTimeout = TimeSpan.FromSeconds(backend.FirstTokenTimeoutSeconds),
                FailuresToOpen = backend.FailuresToOpen,
                BreakDuration = TimeSpan.FromSeconds(backend.BreakSeconds),
                HealthCheckInterval = TimeSpan.FromSeconds(backend.HealthCheckSeconds),
            };
            _backends.Add((new RemoteChatClient(settings, OpenAiEndpoints.For(backend, http), time, meters, logger), http));
        }
    }

    private RemoteBackends() { }

    /// <summary>No remote models (for hosts without configuration, such as component tests).</summary>
    public static RemoteBackends None() => new();

    public IReadOnlyList<RemoteChatClient> All => _backends.Select(b => b.Client).ToArray();

    public RemoteChatClient? Find(string name) => _backends.FirstOrDefault(b => b.Client.Name == name).Client;

    public void Dispose()
    {
        foreach (var (client, http) in _backends)
        {
            client.Dispose();
            http.Dispose();
        }
    }
}
