namespace ChatWeb.Engine.Templates;

/// <summary>
/// A chat template could not be parsed or rendered: a syntax error, a Jinja construct this
/// interpreter does not support (the message names it), or a <c>raise_exception(...)</c> call
/// made by the template itself.
/// </summary>
internal sealed class TemplateException(string message) : Exception(message)
{
    /// <summary>An unsupported Jinja construct (statement, filter, test, method or function), by name.</summary>
    public static TemplateException Unsupported(string kind, string name, int line) =>
        new($"Chat template: unsupported {kind} '{name}' (line {line}).");

    public static TemplateException Syntax(string problem, int line) =>
        new($"Chat template: {problem} (line {line}).");
}
