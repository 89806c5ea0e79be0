namespace ChatWeb.Terminal;

/// <summary>
/// The command line of <c>chat</c>, <c>ask</c> and <c>apikey</c>: the command, its options
/// (<c>--model</c>, <c>--system</c>, <c>--show-thinking</c>), the prompt words, and any other
/// <c>--Section:Key value</c> pairs, which go to configuration as they would for the web app.
/// </summary>
internal sealed record TerminalArguments(string Command, string? Model, string? System, bool ShowThinking,
    string Prompt, string[] ConfigurationArgs)
{
    public static readonly string[] Commands = ["chat", "ask", "apikey"];

    public const string Usage = """
        Usage:
          ChatWeb chat [--model PATH] [--system TEXT]       interactive chat in this terminal
          ChatWeb ask "PROMPT" [--model PATH] [--system TEXT] [--show-thinking]
                                                            answer once and exit (reads the prompt from stdin when none is given)
          ChatWeb apikey                                    make a new API key and print its configuration
        Other --Section:Key value pairs set configuration, e.g. --ChatWeb:Demo:WordDelayMs 0.
        """;

    public static bool Matches(string[] args) => args.Length > 0 && Commands.Contains(args[0]);

    /// <summary>The parsed arguments, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static TerminalArguments? Parse(string[] args, out string? error)
    {
        error = null;
        string? model = null, system = null;
        var showThinking = false;
        var prompt = new List<string>();
        var configuration = new List<string>();
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            string? Value()
            {
                if (i + 1 < args.Length)
                    return args[++i];
                return null;
            }
            switch (arg)
            {
                case "--model":
                    model = Value();
                    if (model is null) error = "--model needs a path to a GGUF file.";
                    break;
                case "--system":
                    system = Value();
                    if (system is null) error = "--system needs the system prompt's text.";
                    break;
                case "--show-thinking":
                    showThinking = true;
                    break;
                case "--help" or "-h":
                    error = "";
                    break;
                default:
                    if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':'))
                    {
                        configuration.Add(arg);
                        if (!arg.Contains('=') && Value() is { } value)
                            configuration.Add(value);
                    }
                    else if (arg.StartsWith('-') && arg.Length > 1)
                        error = $"Unknown option {arg}.";
                    else
                        prompt.Add(arg);
                    break;
            }
            if (error is not null)
                return null;
        }
        if (args[0] != "ask" && prompt.Count > 0)
        {
            error = $"'{args[0]}' takes no prompt (got \"{string.Join(' ', prompt)}\").";
            return null;
        }
        return new TerminalArguments(args[0], model, system, showThinking, string.Join(' ', prompt), [.. configuration]);
    }
}
