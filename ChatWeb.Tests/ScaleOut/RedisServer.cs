using System.Diagnostics;
using System.Text;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>A throwaway redis-server on a free port, without persistence, stopped on dispose.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public int Port { get; }

    /// <summary>The value for ChatWeb:Redis:Configuration.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    private RedisServer(Process process, int port) => (_process, Port) = (process, port);

    public static async Task<RedisServer> StartAsync()
    {
        var exe = ServerTools.Find("redis-server", "redis-server");
        var port = ServerTools.FreePort();
        var process = ServerTools.Start(exe, ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        var server = new RedisServer(process, port);
        process.OutputDataReceived += (_, e) => { lock (server._log) server._log.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (server._log) server._log.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ServerTools.WaitForPortAsync(port, "redis-server", () => { lock (server._log) return server._log.ToString(); }, process);
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
