using System.Diagnostics;

namespace ChatWeb.Tests.Terminal;

/// <summary>A detached tmux session running one command in a pseudo-terminal, driven by send-keys and read by capture-pane.</summary>
internal sealed class Tmux : IDisposable
{
    private readonly string _name = "chatweb-test-" + Guid.NewGuid().ToString("n")[..8];

    public Tmux(string command) => Run("new-session", "-d", "-s", _name, "-x", "150", "-y", "60", command);

    /// <summary>Types keys: literal text, or tmux key names such as "Enter" and "C-c".</summary>
    public void Send(string keys, bool literal = false)
    {
        if (literal)
            Run("send-keys", "-t", _name, "-l", keys);
        else
            Run("send-keys", "-t", _name, keys);
    }

    /// <summary>The screen and its history; with <paramref name="escapes"/>, with the ANSI styles as drawn.</summary>
    public string Screen(bool escapes = false) =>
        escapes ? Run("capture-pane", "-p", "-e", "-J", "-S", "-", "-t", _name) : Run("capture-pane", "-p", "-J", "-S", "-", "-t", _name);

    /// <summary>Waits until the screen shows the text; fails after 20 s with the screen in the message.</summary>
    public async Task<string> WaitForAsync(string text, bool escapes = false)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var screen = Screen(escapes);
            if (screen.Contains(text, StringComparison.Ordinal))
                return screen;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"The terminal never showed \"{text}\". It shows:\n{screen}");
            await Task.Delay(50);
        }
    }

    private static string Run(params string[] args)
    {
        var info = new ProcessStartInfo("tmux", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["TERM"] = "xterm-256color";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"tmux {string.Join(' ', args)} failed: {error}");
        return output;
    }

    public void Dispose()
    {
        try { Run("kill-session", "-t", _name); }
        catch (InvalidOperationException) { }
    }
}
