using Microsoft.Extensions.Logging;

namespace ChatWeb.Engine.Templates;

/// <summary>
/// Turns a conversation into the prompt text a model was trained on, using the model's own chat
/// template. If that template uses a construct the interpreter does not support (or fails while
/// rendering), the conversation is formatted as ChatML instead and a warning is logged; a model
/// without any template gets the <see cref="FallbackTemplates.Plain"/> format.
/// </summary>
public sealed partial class ChatPromptFormatter
{
    private readonly JinjaTemplate? _modelTemplate;
    private readonly JinjaTemplate _fallback;
    private readonly string _fallbackName;
    private readonly ILogger _logger;
    private readonly string _bosToken;
    private readonly string _eosToken;

    /// <param name="template">The model's <c>tokenizer.chat_template</c>, or null when it has none.</param>
    public ChatPromptFormatter(string? template, string? bosToken, string? eosToken, ILogger logger)
    {
        _logger = logger;
        _bosToken = bosToken ?? "";
        _eosToken = eosToken ?? "";
        if (string.IsNullOrWhiteSpace(template))
        {
            (_fallback, _fallbackName) = (JinjaTemplate.Parse(FallbackTemplates.Plain), "plain");
            TemplateName = "plain (the model has no chat template)";
            return;
        }
        (_fallback, _fallbackName) = (JinjaTemplate.Parse(FallbackTemplates.ChatML), "ChatML");
        try
        {
            _modelTemplate = JinjaTemplate.Parse(template);
            TemplateName = "the model's chat template";
            SupportsTools = template.Contains("tools", StringComparison.Ordinal);
        }
        catch (TemplateException e)
        {
            LogTemplateFallback(_logger, e.Message);
            TemplateName = "ChatML (the model's chat template is not supported: " + e.Message + ")";
        }
    }

    /// <summary>Which format prompts are written in, for logs and the status line.</summary>
    public string TemplateName { get; private set; }

    /// <summary>True when the model's own template renders <c>tools</c> (Qwen, Llama 3.1, Mistral): tool definitions and calls can be handed to it.</summary>
    public bool SupportsTools { get; private set; }

    /// <param name="enableThinking">Passed to the template as <c>enable_thinking</c> when set (Qwen3 and similar).</param>
    /// <param name="tools">Passed to the template as <c>tools</c> (OpenAI's <c>{"type": "function", "function": {...}}</c> objects) when any.</param>
    public string Format(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt = true, bool? enableThinking = null,
        IReadOnlyList<System.Text.Json.JsonElement>? tools = null)
    {
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = turns.Select(Message).ToList(),
            ["add_generation_prompt"] = addGenerationPrompt,
            ["bos_token"] = _bosToken,
            ["eos_token"] = _eosToken,
            ["strftime_now"] = (JinjaFunction)StrftimeNow,
        };
        if (enableThinking is not null)
            variables["enable_thinking"] = enableThinking.Value;
        if (tools is { Count: > 0 })
            variables["tools"] = tools.Select(JinjaValues.FromJson).ToList();

        if (_modelTemplate is not null)
        {
            try
            {
                return _modelTemplate.Render(variables);
            }
            catch (TemplateException e)
            {
                LogRenderFallback(_logger, e.Message, _fallbackName);
            }
        }
        return _fallback.Render(variables);
    }

    private static object? Message(ChatTurn turn)
    {
        var message = new Dictionary<string, object?> { ["role"] = turn.Role, ["content"] = turn.Content };
        if (turn.ToolCalls.Count > 0)
        {
            message["tool_calls"] = turn.ToolCalls.Select(c => (object?)new Dictionary<string, object?>
            {
                ["id"] = c.Id,
                ["type"] = "function",
                ["function"] = new Dictionary<string, object?>
                {
                    ["name"] = c.Name,
                    ["arguments"] = JinjaValues.FromJson(System.Text.Json.JsonDocument.Parse(c.Arguments).RootElement),
                },
            }).ToList();
        }
        return message;
    }

    /// <summary>Python's strftime for the few formats templates use (Llama 3.x: "%d %b %Y").</summary>
    private static object? StrftimeNow(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        var format = args.Count > 0 ? JinjaValues.ToText(args[0]) : "%Y-%m-%d";
        var now = DateTime.Now;
        return format
            .Replace("%d", now.ToString("dd", System.Globalization.CultureInfo.InvariantCulture))
            .Replace("%b", now.ToString("MMM", System.Globalization.CultureInfo.InvariantCulture))
            .Replace("%B", now.ToString("MMMM", System.Globalization.CultureInfo.InvariantCulture))
            .Replace("%m", now.ToString("MM", System.Globalization.CultureInfo.InvariantCulture))
            .Replace("%Y", now.ToString("yyyy", System.Globalization.CultureInfo.InvariantCulture));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem} Prompts will be written in ChatML instead.")]
    private static partial void LogTemplateFallback(ILogger logger, string problem);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Problem} This prompt is written in {Fallback} instead.")]
    private static partial void LogRenderFallback(ILogger logger, string problem, string fallback);
}
