using System.Diagnostics;
using ChatWeb.Tests.Browser;

namespace ChatWeb.Tests.Terminal;

/// <summary>The built app's terminal commands, run as a person or a script would run them.</summary>
public sealed class TerminalChatTests
{
    private static readonly string App = AppServer.FindAppHost();

    [Fact]
    public async Task Chat_InAPseudoTerminal_StreamsDimmedThoughts_StopsOnCtrlC_AndExits()
    {
        using var tmux = new Tmux($"'{App}' chat --system 'Be kind.' --ChatWeb:Demo:WordDelayMs 40; echo EXIT=$?; sleep 60");
        await tmux.WaitForAsync("ChatWeb chat");

        tmux.Send("hello there", literal: true);
        tmux.Send("Enter");
        await tmux.WaitForAsync("or about streaming.");
        await tmux.WaitForAsync(" tokens");

        tmux.Send("think, then explain", literal: true);
        tmux.Send("Enter");
        var dimmed = await tmux.WaitForAsync("\e[2mThe user wants to see me think.", escapes: true);
        await tmux.WaitForAsync("Here is how ChatWeb works.");
        tmux.Send("C-c");
        var stopped = await tmux.WaitForAsync("[stopped]");

        tmux.Send("/system", literal: true);
        tmux.Send("Enter");
        await tmux.WaitForAsync("System prompt: Be kind.");
        tmux.Send("/exit", literal: true);
        tmux.Send("Enter");
        await tmux.WaitForAsync("EXIT=0");

        Assert.Contains("Hello! I am ChatWeb's demo assistant.", dimmed);
        Assert.DoesNotContain("with a model configured it is ChatWeb's own inference engine.", stopped);
    }

    [Fact]
    public async Task Ask_PrintsTheAnswerAndExitsZero()
    {
        var (code, output, _) = await RunAsync("ask", "say hello", "--ChatWeb:Demo:WordDelayMs", "0");

        Assert.Equal(0, code);
        Assert.StartsWith("Hello! I am ChatWeb's demo assistant.", output);
    }

    [Fact]
    public async Task Ask_WhenTheModelFails_ExitsNonZero_WithTheErrorOnStandardError()
    {
        var (code, output, errors) = await RunAsync("ask", "please fail", "--ChatWeb:Demo:WordDelayMs", "0");

        Assert.Equal(1, code);
        Assert.Equal("", output.Trim());
        Assert.Contains("failed on purpose", errors);
    }

    [Fact]
    public async Task Ask_WithoutAPrompt_ExitsWithUsage()
    {
        var (code, _, errors) = await RunAsync("ask", "--ChatWeb:Demo:WordDelayMs", "0");

        Assert.Equal(2, code);
        Assert.Contains("ask needs a prompt", errors);
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo(App, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Path.GetDirectoryName(App)!,
        };
        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await errors);
    }
}
