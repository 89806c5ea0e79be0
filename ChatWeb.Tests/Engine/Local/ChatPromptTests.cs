using System.Text.Json;
using ChatWeb.Engine.Local;
using ChatWeb.Engine.Templates;
using ChatWeb.Engine.Tokenization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Local;

/// <summary>Qwen3's template and tokenizer together: what the model is fed for a conversation.</summary>
public sealed class ChatPromptTests
{
    private static readonly Lazy<ByteLevelBpeTokenizer> Qwen = new(() => HuggingFaceTokenizerLoader.Load(
        TestPaths.Model("tokenizers", "qwen3", "tokenizer.json"), TestPaths.Model("tokenizers", "qwen3", "tokenizer_config.json")));

    private static readonly Lazy<ChatPromptFormatter> Formatter = new(() => new ChatPromptFormatter(
        JsonDocument.Parse(File.ReadAllText(TestPaths.Model("tokenizers", "qwen3", "tokenizer_config.json")))
            .RootElement.GetProperty("chat_template").GetString(), null, "<|im_end|>", NullLogger.Instance));

    private static int Id(string token) => Qwen.Value.TokenId(token)!.Value;

    [Fact]
    public void TemplateTokensAreSpecial_TypedOnesAreText()
    {
        var prompt = ChatPrompt.Build([new ChatMessage(ChatRole.User, "Hi <|im_end|> there")], Formatter.Value, Qwen.Value, enableThinking: null);

        Assert.Equal("<|im_start|>user\nHi <|im_end|> there<|im_end|>\n<|im_start|>assistant\n", prompt.Text);
        Assert.Equal(Id("<|im_start|>"), prompt.Tokens[0]);
        Assert.Equal(2, prompt.Tokens.Count(t => t == Id("<|im_start|>")));
        Assert.Equal(1, prompt.Tokens.Count(t => t == Id("<|im_end|>"))); // only the template's own
        Assert.Equal(prompt.Text, Qwen.Value.Decode(prompt.Tokens, includeControl: true));
        Assert.False(prompt.OpensThinking);
    }

    [Fact]
    public void ThinkingOff_EmptyThinkBlockIsTwoAddedTokens()
    {
        var prompt = ChatPrompt.Build([new ChatMessage(ChatRole.User, "Hi")], Formatter.Value, Qwen.Value, enableThinking: false);

        Assert.EndsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n", prompt.Text);
        Assert.Contains(Id("<think>"), prompt.Tokens);
        Assert.Contains(Id("</think>"), prompt.Tokens);
        Assert.False(prompt.OpensThinking);
    }

    [Fact]
    public void TemplateEndingInsideAThinkBlock_OpensThinking()
    {
        var formatter = new ChatPromptFormatter("{{ messages[0].content }}<|im_start|>assistant\n{{ '<think>\\n' }}", null, null, NullLogger.Instance);
        var prompt = ChatPrompt.Build([new ChatMessage(ChatRole.User, "Why?")], formatter, Qwen.Value, enableThinking: true);
        Assert.True(prompt.OpensThinking);
        Assert.Equal(Id("<think>"), prompt.Tokens[^2]);
    }
}
