using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace ChatWeb.Tests.ScaleOut;

/// <summary>
/// Finding and running the services the scale-out tests start (PostgreSQL, Redis, nginx). A missing tool fails the
/// test with the command that installs it; the tests never skip (CI's .ci/run installs them).
/// </summary>
internal static class ServerTools
{
    /// <summary>The full path of <paramref name="name"/>, searched in <paramref name="folders"/> and then on PATH.</summary>
    public static string Find(string name, string package, params string[] folders)
    {
        var candidates = folders
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Concat(["/usr/sbin", "/usr/local/sbin", "/sbin"])
            .Select(folder => Path.Combine(folder, name));
        return candidates.FirstOrDefault(File.Exists) ?? throw new InvalidOperationException(
            $"{name} was not found: the scale-out tests start their own {package}. Install it " +
            $"(apt-get install -y {package}; .ci/run does) and run the tests again.");
    }

    /// <summary>PostgreSQL's server programs folder, the newest of /usr/lib/postgresql/*/bin.</summary>
    public static string PostgresBin()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(v => Path.Combine(v, "bin"))
                .Where(b => File.Exists(Path.Combine(b, "initdb")))
                .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out var major) ? major : 0)
                .FirstOrDefault()
            : null;
        return bin ?? Path.GetDirectoryName(Find("initdb", "postgresql"))!;
    }

    public static bool IsRoot => Environment.UserName == "root";

    /// <summary>A free TCP port on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Runs a program to its end; throws with its output when it fails.</summary>
    public static string Run(string program, IReadOnlyList<string> arguments, string? runAs = null, int timeoutSeconds = 60)
    {
        using var process = Start(program, arguments, runAs);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeoutSeconds} s.");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{program} {string.Join(' ', arguments)} failed with exit code {process.ExitCode}:\n{output.Result}\n{error.Result}");
        return output.Result;
    }

    /// <summary>
    /// Starts a program with its output redirected; as <paramref name="runAs"/> through runuser when given and this
    /// process is root (PostgreSQL refuses to run as root).
    /// </summary>
    public static Process Start(string program, IReadOnlyList<string> arguments, string? runAs = null)
    {
        var info = runAs is not null && IsRoot
            ? new ProcessStartInfo(Find("runuser", "util-linux"), ["-u", runAs, "--", program, .. arguments])
            : new ProcessStartInfo(program, arguments);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
    }

    /// <summary>Waits until something accepts TCP connections on the port.</summary>
    public static async Task WaitForPortAsync(int port, string what, Func<string> log, Process? process = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process is { HasExited: true })
                throw new InvalidOperationException($"{what} exited with code {process.ExitCode}:\n{log()}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException) { }
            await Task.Delay(50);
        }
        throw new TimeoutException($"{what} did not listen on port {port} within 30 s:\n{log()}");
    }
}
