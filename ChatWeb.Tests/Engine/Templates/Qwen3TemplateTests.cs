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
