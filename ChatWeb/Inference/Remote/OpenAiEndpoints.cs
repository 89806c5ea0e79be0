using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net.Http.Headers;
using ChatWeb.Engine.Remote;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;

namespace ChatWeb.Inference.Remote;

/// <summary>
/// Turns a <see cref="BackendOptions"/> into the engine's <see cref="RemoteEndpoint"/>s: one OpenAI-compatible
/// chat client per base URL (Microsoft.Extensions.AI.OpenAI over the OpenAI library, which sends the
/// <c>reasoning_content</c> deltas of servers such as vLLM and ChatWeb as reasoning), and a health probe that
/// lists the server's models. The library's own retries are off: the engine's front decides where a failed
/// request goes next.
/// </summary>
internal static class OpenAiEndpoints
{
    public static IReadOnlyList<RemoteEndpoint> For(BackendOptions backend, HttpClient http)
    {
        var model = string.IsNullOrWhiteSpace(backend.RemoteModel) ? backend.Name! : backend.RemoteModel;
        var key = string.IsNullOrEmpty(backend.ApiKey) ? "none" : backend.ApiKey;
        return backend.AllUrls().Select(url =>
        {
            var baseUri = new Uri(url.TrimEnd('/') + "/");
            var client = new ChatClient(model, new ApiKeyCredential(key), new OpenAIClientOptions
            {
                Endpoint = new Uri(url.TrimEnd('/')),
                Transport = new HttpClientPipelineTransport(http),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = TimeSpan.FromSeconds(backend.RequestTimeoutSeconds),
            });
            return new RemoteEndpoint(url, client.AsIChatClient(), token => ProbeAsync(http, new Uri(baseUri, "models"), backend.ApiKey, token));
        }).ToArray();
    }

    /// <summary>A shared HTTP client for a backend's servers: no overall timeout (answers stream), a connect timeout.</summary>
    public static HttpClient CreateHttpClient(BackendOptions backend) =>
        new(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(backend.FirstTokenTimeoutSeconds),
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        })
        { Timeout = Timeout.InfiniteTimeSpan };

    private static async Task ProbeAsync(HttpClient http, Uri models, string? apiKey, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, models);
        if (!string.IsNullOrEmpty(apiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
            throw new HttpRequestException($"GET {models} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
    }
}
