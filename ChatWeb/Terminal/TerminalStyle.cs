namespace ChatWeb.Terminal;

/// <summary>ANSI styles for the terminal, or none when the output is not a terminal or NO_COLOR is set.</summary>
internal sealed class TerminalStyle(bool enabled)
{
    public static TerminalStyle For(bool redirected) =>
        new(!redirected && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")));

    public string Dim => enabled ? "\e[2m" : "";
    public string Bold => enabled ? "\e[1m" : "";
    public string Red => enabled ? "\e[31m" : "";
    public string Reset => enabled ? "\e[0m" : "";
}
