namespace ChatWeb.Engine.Cli;

/// <summary>
/// Plain parsing of <c>positional... --name value</c> arguments; enough for the engine's three
/// commands without a parser dependency.
/// </summary>
internal sealed class CliArguments
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public CliArguments(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].StartsWith("--", StringComparison.Ordinal))
            {
                if (i + 1 >= list.Count || list[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new CliException($"Option {list[i]} needs a value.");
                _options[list[i][2..]] = list[++i];
            }
            else
            {
                Positional.Add(list[i]);
            }
        }
    }

    public List<string> Positional { get; } = [];

    public string? Get(string name)
    {
        _used.Add(name);
        return _options.GetValueOrDefault(name);
    }

    public string Require(string name) => Get(name) ?? throw new CliException($"Option --{name} is required.");

    public int GetInt(string name, int fallback, int min = 0)
    {
        var text = Get(name);
        if (text is null)
            return fallback;
        return int.TryParse(text, out var value) && value >= min ? value
            : throw new CliException($"--{name} must be a whole number of at least {min}, not '{text}'.");
    }

    /// <summary>Fails on options the command did not read (typos).</summary>
    public void RejectUnknown()
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new CliException($"Unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }
}

/// <summary>A mistake in the command line: printed as the message, with exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
