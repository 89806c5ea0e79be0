using ChatWeb.Chat;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Tests.Chat;

public sealed class GenerationSettingsTests
{
    [Theory]
    [InlineData("0", 0f)]
    [InlineData("0.7", 0.7f)]
    [InlineData(" 2 ", 2f)]
    public void Temperature_InRange_IsAccepted(string text, float expected)
    {
        Assert.True(GenerationSettings.TryParseTemperature(text, out var value, out var error));
        Assert.Equal(expected, value);
        Assert.Null(error);
    }

    [Theory]
    [InlineData("2.01", "between 0 and 2")]
    [InlineData("-0.1", "between 0 and 2")]
    [InlineData("warm", "must be a number")]
    [InlineData("NaN", "must be a number")]
    [InlineData("", "must be a number")]
    public void Temperature_OutOfRange_IsRefusedWithAMessage(string text, string message)
    {
        Assert.False(GenerationSettings.TryParseTemperature(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("0", "more than 0")]
    [InlineData("1.5", "between 0 and 1")]
    public void TopP_OutOfRange_IsRefused(string text, string message)
    {
        Assert.False(GenerationSettings.TryParseTopP(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("0", "between 1 and 32,768")]
    [InlineData("40000", "between 1 and 32,768")]
    [InlineData("12.5", "whole number")]
    public void MaxNewTokens_OutOfRange_IsRefused(string text, string message)
    {
        Assert.False(GenerationSettings.TryParseMaxNewTokens(text, out _, out var error));
        Assert.Contains(message, error);
    }

    [Fact]
    public void ChatOptions_CarryEverySetting_AndTheThinkRequest()
    {
        var options = new GenerationSettings { Temperature = 0.3f, TopP = 0.8f, MaxNewTokens = 100, Think = true }.ToChatOptions();

        Assert.Equal(0.3f, options.Temperature);
        Assert.Equal(0.8f, options.TopP);
        Assert.Equal(100, options.MaxOutputTokens);
        Assert.NotEqual(ReasoningEffort.None, options.Reasoning!.Effort);
        Assert.Equal(ReasoningEffort.None, GenerationSettings.Default.ToChatOptions().Reasoning!.Effort);
    }

    [Fact]
    public void StoredSettings_FromBeforeTheSharedType_KeepTheirTokenLimit_AndMissingValuesTakeTheDefaults()
    {
        var old = new StoredConversation("c1", "owner", "Title", null, """{"Temperature":0.3,"TopP":0.8,"MaxNewTokens":100,"Think":true}""", default, default);
        var partial = old with { Settings = """{"Temperature":1.5}""" };

        var settings = ChatHistory.SettingsOf(old);
        var filled = ChatHistory.SettingsOf(partial);

        Assert.Equal(new GenerationSettings { Temperature = 0.3f, TopP = 0.8f, MaxNewTokens = 100, Think = true }, settings);
        Assert.Equal(GenerationSettings.Default with { Temperature = 1.5f }, filled);
    }
}
