using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Inference;

/// <summary>Servers a ChatWeb can use as remote engines: another ChatWeb on a real port, a closed port, a port that accepts and never answers.</summary>
internal static class RemoteServers
{
    /// <summary>A second ChatWeb (the demo assistant, or <paramref name="client"/>) serving /v1 on a real 127.0.0.1 port; returns its /v1 base URL.</summary>
    public static (WebApplicationFactory<Program> App, string V1) StartChatWeb(ChatWebFactory factory, IChatClient? client = null)
    {
        var port = FreePort();
        var app = factory.With(client);
        app.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        app.StartServer();
        return (app, $"http://127.0.0.1:{port}/v1");
    }

    /// <summary>A port nobody listens on: connections are refused.</summary>
    public static string ClosedPort() => $"http://127.0.0.1:{FreePort()}/v1";

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The settings that make <paramref name="name"/> a remote model served at <paramref name="urls"/> (the remote ChatWeb's demo model).</summary>
    public static Dictionary<string, string> Backend(int index, string name, IReadOnlyList<string> urls, int firstTokenTimeoutSeconds = 30)
    {
        var settings = new Dictionary<string, string>
        {
            [$"ChatWeb:Backends:{index}:Name"] = name,
            [$"ChatWeb:Backends:{index}:RemoteModel"] = "demo",
            [$"ChatWeb:Backends:{index}:ApiKey"] = ChatWebFactory.Key,
            [$"ChatWeb:Backends:{index}:FirstTokenTimeoutSeconds"] = firstTokenTimeoutSeconds.ToString(),
            [$"ChatWeb:Backends:{index}:HealthCheckSeconds"] = "0",
        };
        for (var i = 0; i < urls.Count; i++)
            settings[$"ChatWeb:Backends:{index}:BaseUrls:{i}"] = urls[i];
        return settings;
    }
}

/// <summary>A TCP port that accepts connections and never answers (a hung server).</summary>
internal sealed class HangingServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _held = [];

    public HangingServer()
    {
        _listener.Start();
        _ = AcceptAsync();
    }

    public string V1 => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync();
                lock (_held) _held.Add(client);
            }
        }
        catch (ObjectDisposedException) { }
        catch (SocketException) { }
    }

    public void Dispose()
    {
        _listener.Stop();
        lock (_held) _held.ForEach(c => c.Dispose());
    }
}
