using ChatWeb.Library;

namespace ChatWeb.Terminal;

/// <summary>
/// <c>ask "prompt"</c>: streams one answer to standard output and exits, for scripts. Thinking goes to
/// standard error with <c>--show-thinking</c>, else nowhere. Exit code 1 when the model fails.
/// </summary>
internal static class TerminalAsk
{
    public static async Task<int> RunAsync(ChatSession session, TerminalArguments arguments,
        TextReader input, TextWriter output, TextWriter errors, bool inputRedirected)
    {
        var prompt = arguments.Prompt;
        if (prompt.Length == 0 && inputRedirected)
            prompt = (await input.ReadToEndAsync()).Trim();
        if (prompt.Length == 0)
        {
            await errors.WriteLineAsync("error: ask needs a prompt: ChatWeb ask \"your question\" (or pipe it on stdin).");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; stop.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            var thinking = false;
            await foreach (var step in session.SendAsync(prompt, cancellationToken: stop.Token))
            {
                switch (step)
                {
                    case ThinkingToken t when arguments.ShowThinking:
                        thinking = true;
                        await errors.WriteAsync(t.Text);
                        break;
                    case AnswerToken a:
                        if (thinking)
                            await errors.WriteLineAsync();
                        thinking = false;
                        await output.WriteAsync(a.Text);
                        await output.FlushAsync();
                        break;
                }
            }
            await output.WriteLineAsync();
            return 0;
        }
        catch (OperationCanceledException)
        {
            await errors.WriteLineAsync("\nstopped.");
            return 130;
        }
        catch (Exception e)
        {
            await errors.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
