namespace ChatWeb.Engine.Templates;

/// <summary>
/// A parsed Jinja template (the subset chat templates use; see <see cref="JinjaParser"/> and
/// <see cref="JinjaBuiltins"/>). Parsing fails early, naming any unsupported construct.
/// </summary>
internal sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Node> _nodes;

    private JinjaTemplate(IReadOnlyList<Node> nodes) => _nodes = nodes;

    /// <exception cref="TemplateException">The template has a syntax error or an unsupported statement.</exception>
    public static JinjaTemplate Parse(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new JinjaTemplate(JinjaParser.Parse(source));
    }

    /// <summary>Renders with the given variables (strings, numbers, bools, lists, dictionaries, <see cref="JinjaFunction"/>s).</summary>
    /// <exception cref="TemplateException">An unsupported filter, test or method, a type error, or raise_exception().</exception>
    public string Render(IReadOnlyDictionary<string, object?> variables) => new JinjaRenderer(variables).Render(_nodes);
}
