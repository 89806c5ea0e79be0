using ChatWeb.Engine.Hosting;
using ChatWeb.Library;

namespace ChatWeb.Terminal;

/// <summary>
/// The interactive terminal chat: reads a line, streams the reply (thoughts dimmed), and understands
/// <c>/new</c>, <c>/system</c>, <c>/help</c> and <c>/exit</c>. Ctrl+C stops the answer being streamed;
/// at the prompt it only reminds how to leave. Ctrl+D (end of input) leaves.
/// </summary>
internal sealed class TerminalChat(ChatSession session, InferenceStatus status, TextReader input, TextWriter output, TerminalStyle style)
{
    private const string Help = "Commands: /new (forget the conversation), /system [TEXT|off] (show or set the system prompt), /exit. Ctrl+C stops an answer.";

    private CancellationTokenSource? _answering;

    public async Task<int> RunAsync()
    {
        Console.CancelKeyPress += OnCancelKeyPress;
        try
        {
            var backend = status.ModelLoaded ? $"model {status.Model}" : $"{status.Backend} mode: {status.Reason}";
            await output.WriteLineAsync($"{style.Bold}ChatWeb chat{style.Reset} {style.Dim}({backend}){style.Reset}");
            await output.WriteLineAsync($"{style.Dim}{Help}{style.Reset}");
            while (true)
            {
                await output.WriteAsync($"\n{style.Bold}> {style.Reset}");
                await output.FlushAsync();
                var line = await input.ReadLineAsync();
                if (line is null)
                    return 0;
                line = line.Trim();
                if (line.Length == 0)
                    continue;
                if (line.StartsWith('/'))
                {
                    if (!await RunCommandAsync(line))
                        return 0;
                    continue;
                }
                await AnswerAsync(line);
            }
        }
        finally
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
        }
    }

    /// <summary>Runs a slash command; false when it is /exit.</summary>
    private async Task<bool> RunCommandAsync(string line)
    {
        var space = line.IndexOf(' ');
        var command = space < 0 ? line : line[..space];
        var argument = space < 0 ? "" : line[(space + 1)..].Trim();
        switch (command)
        {
            case "/exit" or "/quit":
                return false;
            case "/new":
                session.Clear();
                await Note("New conversation.");
                break;
            case "/system" when argument.Length == 0:
                await Note(session.SystemPrompts.Count == 0 ? "No system prompt." : $"System prompt: {string.Join(" ", session.SystemPrompts)}");
                break;
            case "/system" when argument == "off":
                session.SystemPrompts.Clear();
                await Note("System prompt removed.");
                break;
            case "/system":
                session.SystemPrompts.Clear();
                session.SystemPrompts.Add(argument);
                await Note("System prompt set; it applies from the next message.");
                break;
            case "/help":
                await Note(Help);
                break;
            default:
                await Note($"Unknown command {command}. {Help}");
                break;
        }
        return true;
    }

    private async Task AnswerAsync(string prompt)
    {
        using var answering = new CancellationTokenSource();
        _answering = answering;
        var thinking = false;
        try
        {
            await foreach (var step in session.SendAsync(prompt, cancellationToken: answering.Token))
            {
                switch (step)
                {
                    case ThinkingToken t:
                        if (!thinking)
                            await output.WriteAsync(style.Dim);
                        thinking = true;
                        await output.WriteAsync(t.Text);
                        break;
                    case AnswerToken a:
                        if (thinking)
                            await output.WriteAsync($"{style.Reset}\n\n");
                        thinking = false;
                        await output.WriteAsync(a.Text);
                        break;
                    case ChatCompleted done:
                        if (session.LeftOut > 0)
                            await output.WriteAsync($"{style.Reset}\n{style.Dim}({session.LeftOut} earlier messages left out to fit the model's context){style.Reset}");
                        var speed = done.Timings.TokensPerSecond > 0 ? $", {done.Timings.TokensPerSecond:0.#} tokens/s" : "";
                        await output.WriteLineAsync($"{style.Reset}");
                        await output.WriteAsync($"{style.Dim}[{done.Usage.CompletionTokens} tokens{speed}]{style.Reset}");
                        break;
                }
                await output.FlushAsync();
            }
        }
        catch (OperationCanceledException) when (answering.IsCancellationRequested)
        {
            await output.WriteLineAsync(style.Reset);
            await Note("[stopped]");
        }
        catch (Exception e)
        {
            await output.WriteLineAsync(style.Reset);
            await output.WriteAsync($"{style.Red}error: {e.Message}{style.Reset}");
        }
        finally
        {
            _answering = null;
        }
    }

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        if (_answering is { } answering)
            answering.Cancel();
        else
        {
            output.Write($"\n{style.Dim}(Ctrl+C stops an answer; type /exit or press Ctrl+D to leave){style.Reset}\n{style.Bold}> {style.Reset}");
            output.Flush();
        }
    }

    private Task Note(string text) => output.WriteAsync($"{style.Dim}{text}{style.Reset}");
}
