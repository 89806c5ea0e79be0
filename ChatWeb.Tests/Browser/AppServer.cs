using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ChatWeb.Tests.Browser;

/// <summary>
/// The built ChatWeb executable, started as its own process on a free 127.0.0.1 port.
/// (A real process, as a person runs it: its own Kestrel, static files and shutdown.)
/// </summary>
public sealed class AppServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    public Uri BaseUri { get; }

    /// <summary>The app's process id (the soak benchmark reads its resident memory).</summary>
    public int ProcessId => _process.Id;
    public string Log { get { lock (_log) return _log.ToString(); } }

    /// <summary>CPU time the app's process has used so far (user and kernel, all threads).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    private AppServer(Process process, Uri baseUri)
    {
        _process = process;
        BaseUri = baseUri;
    }

    public static async Task<AppServer> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var server = Launch(settings, wrapper: []);
        await server.WaitUntilHealthyAsync();
        return server;
    }

    /// <summary>
    /// Starts the app and waits for it to end by itself (a refused start-up); returns its exit code and
    /// output. <paramref name="wrapper"/> is a command line the app runs under (e.g. unshare …), or empty.
    /// </summary>
    public static async Task<(int ExitCode, string Log)> RunUntilExitAsync(IReadOnlyDictionary<string, string> settings,
        IReadOnlyList<string>? wrapper = null)
    {
        await using var server = Launch(settings, wrapper ?? []);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await server._process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"ChatWeb was expected to refuse to start, but it still runs after 60 s:\n{server.Log}");
        }
        server._process.WaitForExit(); // the output readers finish
        return (server._process.ExitCode, server.Log);
    }

    private static AppServer Launch(IReadOnlyDictionary<string, string>? settings, IReadOnlyList<string> wrapper)
    {
        var exe = FindAppHost();
        var port = FreePort();
        string[] arguments = ["--urls", $"http://127.0.0.1:{port}"];
        var info = wrapper.Count == 0
            ? new ProcessStartInfo(exe, arguments)
            : new ProcessStartInfo(wrapper[0], [.. wrapper.Skip(1), exe, .. arguments]);
        info.WorkingDirectory = Path.GetDirectoryName(exe)!;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            info.Environment[key.Replace(":", "__")] = value;

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {exe}");
        var server = new AppServer(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }

    private async Task WaitUntilHealthyAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"ChatWeb exited with code {_process.ExitCode}:\n{Log}");
            try
            {
                // The server answers at once; a configured model loads behind it. Tests start once it is ready (or demo).
                var response = await http.GetAsync("health");
                if (response.StatusCode == HttpStatusCode.OK && !(await response.Content.ReadAsStringAsync()).Contains("\"state\":\"loading\""))
                    return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"ChatWeb did not answer /health with its model loaded within 60 s:\n{Log}");
    }

    /// <summary>Finds the apphost that the build of ChatWeb/ wrote for this configuration.</summary>
    internal static string FindAppHost()
    {
#if DEBUG
        const string configuration = "Debug";
#else
        const string configuration = "Release";
#endif
        var bin = Path.Combine(TestPaths.RepositoryRoot, "ChatWeb", "bin", configuration, "net10.0");
        var exe = Directory.Exists(bin)
            ? Directory.GetFiles(bin, OperatingSystem.IsWindows() ? "ChatWeb.exe" : "ChatWeb", SearchOption.AllDirectories).FirstOrDefault()
            : null;
        return exe ?? throw new InvalidOperationException($"No built ChatWeb executable under {bin}; build the solution first.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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
