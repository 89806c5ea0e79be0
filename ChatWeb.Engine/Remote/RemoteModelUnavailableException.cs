namespace ChatWeb.Engine.Remote;

/// <summary>No endpoint of a remote model could start an answer: each refused, failed, timed out or rests after failing.</summary>
public sealed class RemoteModelUnavailableException(string model, IReadOnlyList<string> failures)
    : Exception($"The model '{model}' cannot be reached right now ({string.Join("; ", failures)}). Try again in a moment, or pick another model.")
{
    /// <summary>The model's name.</summary>
    public string Model { get; } = model;

    /// <summary>One line per endpoint: its address and why it did not answer.</summary>
    public IReadOnlyList<string> Failures { get; } = failures;
}
