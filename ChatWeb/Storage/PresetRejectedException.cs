namespace ChatWeb.Storage;

/// <summary>A preset change the store refused; the message is meant for the admin as it is.</summary>
/// <param name="field">The field whose value was refused, when one is to blame (its message belongs next to it).</param>
public sealed class PresetRejectedException(string message, PresetField? field = null) : Exception(message)
{
    public PresetField? Field { get; } = field;
}

/// <summary>The fields of a preset, for a refusal that names one.</summary>
public enum PresetField
{
    Name,
    Text,
    Extra,
}
