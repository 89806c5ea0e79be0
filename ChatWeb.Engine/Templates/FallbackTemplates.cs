namespace ChatWeb.Engine.Templates;

/// <summary>The formats used when a model's own chat template is missing or cannot be rendered.</summary>
internal static class FallbackTemplates
{
    /// <summary>ChatML (<c>&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n</c>): used when the model's template fails.</summary>
    public const string ChatML =
        "{% for message in messages %}{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>
    /// For a model that ships no template (a base model, such as a story model): the messages'
    /// text, separated by blank lines, which the model simply continues.
    /// </summary>
    public const string Plain =
        "{% for message in messages %}{% if not loop.first %}{{ '\\n\\n' }}{% endif %}{{ message.content }}{% endfor %}";
}
