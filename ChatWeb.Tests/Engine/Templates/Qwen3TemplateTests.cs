using System.Text.Json;
using ChatWeb.Engine.Templates;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Templates;

/// <summary>
/// Qwen3's own chat template (from its tokenizer_config.json) renders conversations to the strings
/// its semantics define; each expected string was written by hand from reading the template.
/// </summary>
public sealed class Qwen3TemplateTests
{
    private static readonly string Template = JsonDocument.Parse(
            File.ReadAllText(TestPaths.Model("tokenizers", "qwen3", "tokenizer_config.json")))
        .RootElement.GetProperty("chat_template").GetString()!;

    private static ChatPromptFormatter Formatter() => new(Template, null, "<|im_end|>", NullLogger.Instance);

    private static readonly ChatTurn[] MultiTurn =
    [
        new("system", "You are helpful."),
        new("user", "Hi"),
        new("assistant", "Hello! How can I help?"),
        new("user", "What is 2+2?"),
    ];

    private const string MultiTurnPrompt =
        "<|im_start|>system\nYou are helpful.<|im_end|>\n" +
        "<|im_start|>user\nHi<|im_end|>\n" +
        "<|im_start|>assistant\nHello! How can I help?<|im_end|>\n" +
        "<|im_start|>user\nWhat is 2+2?<|im_end|>\n" +
        "<|im_start|>assistant\n";

    [Fact]
    public void Template_IsParsedWithoutFallingBack()
    {
        Assert.Equal("the model's chat template", Formatter().TemplateName);
    }

    [Fact]
    public void SystemAndMultiTurn_ThinkingUnset_EndsWithOpenAssistantTurn()
    {
        Assert.Equal(MultiTurnPrompt, Formatter().Format(MultiTurn));
    }

    [Fact]
    public void ThinkingEnabled_RendersLikeUnset()
    {
        Assert.Equal(MultiTurnPrompt, Formatter().Format(MultiTurn, enableThinking: true));
    }

    [Fact]
    public void ThinkingDisabled_AddsAnEmptyThinkBlock()
    {
        Assert.Equal(MultiTurnPrompt + "<think>\n\n</think>\n\n", Formatter().Format(MultiTurn, enableThinking: false));
    }

    [Fact]
    public void EarlierAssistantThinking_IsDroppedFromHistory()
    {
        ChatTurn[] turns =
        [
            new("user", "Hi"),
            new("assistant", "<think>\nThe user greets me.\n</think>\n\nHello!"),
            new("user", "Bye"),
        ];
        Assert.Equal(
            "<|im_start|>user\nHi<|im_end|>\n" +
            "<|im_start|>assistant\nHello!<|im_end|>\n" +
            "<|im_start|>user\nBye<|im_end|>\n" +
            "<|im_start|>assistant\n",
            Formatter().Format(turns));
    }

    [Fact]
    public void LastAssistantTurnAfterTheLastQuery_KeepsItsThinking()
    {
        ChatTurn[] turns =
        [
            new("user", "Hi"),
            new("assistant", "<think>\nreason\n</think>\n\nAnswer"),
        ];
        Assert.Equal(
            "<|im_start|>user\nHi<|im_end|>\n" +
            "<|im_start|>assistant\n<think>\nreason\n</think>\n\nAnswer<|im_end|>\n",
            Formatter().Format(turns, addGenerationPrompt: false));
    }

    [Fact]
    public void NoSystemMessage_StartsWithTheUser()
    {
        Assert.Equal(
            "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            Formatter().Format([new("user", "Hello")], enableThinking: false));
    }
}

/// <summary>Qwen3's template with tools: the tool list in the system turn, calls as &lt;tool_call&gt; blocks, results as &lt;tool_response&gt;.</summary>
public sealed class Qwen3ToolTemplateTests
{
    private static readonly string Template = JsonDocument.Parse(
            File.ReadAllText(TestPaths.Model("tokenizers", "qwen3", "tokenizer_config.json")))
        .RootElement.GetProperty("chat_template").GetString()!;

    [Fact]
    public void Tools_Calls_AndResults_AreWrittenTheWayQwenWasTrained()
    {
        var formatter = new ChatPromptFormatter(Template, null, "<|im_end|>", NullLogger.Instance);
        var weather = JsonDocument.Parse("""{"type":"function","function":{"name":"weather","description":"Weather now","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}""").RootElement;

        var prompt = formatter.Format(
        [
            new("user", "Weather in Oslo?"),
            new("assistant", "") { ToolCalls = [new ChatToolCall("call_1", "weather", """{"city":"Oslo"}""")] },
            new("tool", "Snow, -3 °C"),
        ], tools: [weather]);

        Assert.True(formatter.SupportsTools);
        Assert.Contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"weather\"", prompt);
        Assert.Contains("<tool_call>\n{\"name\": \"weather\", \"arguments\": {\"city\": \"Oslo\"}}\n</tool_call>", prompt);
        Assert.Contains("<tool_response>\nSnow, -3 °C\n</tool_response>", prompt);
        Assert.EndsWith("<|im_start|>assistant\n", prompt);
    }
}
