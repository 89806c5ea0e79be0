using ChatWeb.Tests.Browser;
using ChatWeb.Tests.Storage;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>The built app as a process: what start-up does when PostgreSQL or Redis is configured but not there.</summary>
public sealed class ScaleOutStartupProcessTests : IDisposable
{
    private const int RefusedExitCode = 1;
    private readonly TempDataFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task StartUp_StopsWithAClearMessage_WhenRedisDoesNotAnswer()
    {
        var port = ServerTools.FreePort();

        var (exitCode, log) = await AppServer.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["ChatWeb:Storage:DataFolder"] = _folder.Path,
            ["ChatWeb:Redis:Configuration"] = $"127.0.0.1:{port}",
        });

        Assert.Equal(RefusedExitCode, exitCode);
        Assert.Contains($"ChatWeb cannot reach Redis at 127.0.0.1:{port} (ChatWeb:Redis:Configuration)", log);
    }

    [Fact]
    public async Task StartUp_StopsWithAClearMessage_WhenPostgresDoesNotAnswer()
    {
        var port = ServerTools.FreePort();

        var (exitCode, log) = await AppServer.RunUntilExitAsync(new Dictionary<string, string>
        {
            ["ChatWeb:Storage:DataFolder"] = _folder.Path,
            ["ChatWeb:Storage:Provider"] = "Postgres",
            ["ChatWeb:Storage:ConnectionString"] = $"Host=127.0.0.1;Port={port};Database=chatweb;Username=chatweb;Timeout=3",
        });

        Assert.Equal(RefusedExitCode, exitCode);
        Assert.Contains($"ChatWeb cannot reach the PostgreSQL database \"chatweb\" on 127.0.0.1:{port}", log);
    }
}
