using System.Text.Json;
using ChatWeb.Engine.Local;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Local;

/// <summary>Function calls: found in streamed text, and forced (tool_choice required) on stories260K, which knows nothing of tools.</summary>
public sealed class ToolCallTests
{
    private static readonly JsonElement Parameters = JsonDocument.Parse("""
        {"type":"object","properties":{"city":{"type":"string","maxLength":15},"days":{"type":"integer"},"unit":{"enum":["C","F"]}},
         "required":["city","days","unit"],"additionalProperties":false}
        """).RootElement;

    [Fact]
    public void Parser_FindsACallSplitAcrossPieces_AndPassesTheTextAround()
    {
        var parser = new ToolCallParser();
        var shown = "";
        var calls = new List<FunctionCallContent>();
        foreach (var piece in new[] { "Let me check.<tool", "_call>\n{\"name\": \"weather\", \"argu", "ments\": {\"city\": \"Oslo\"}}\n</tool_", "call> Done" })
        {
            var (text, found) = parser.Push(piece);
            shown += text;
            calls.AddRange(found);
        }
        shown += parser.Flush().Text;

        Assert.Equal("Let me check. Done", shown);
        var call = Assert.Single(calls);
        Assert.Equal("weather", call.Name);
        Assert.Equal("Oslo", ((JsonElement)call.Arguments!["city"]!).GetString());
    }

    [Fact]
    public void Parser_LeavesABrokenBlockAsText()
    {
        var parser = new ToolCallParser();

        var (text, calls) = parser.Push("<tool_call>not json</tool_call>");

        Assert.Equal("<tool_call>not json</tool_call>", text);
        Assert.Empty(calls);
    }

    [Fact]
    public async Task RequiredToolCall_OnAStoryModel_IsAValidCall_WithArgumentsForTheSchema()
    {
        using var client = new GgufChatClient(
            LocalModel.Load(new ModelOptions { Path = TestPaths.Model("stories260K", "stories260K.gguf"), Threads = 1 }),
            NullLogger<GgufChatClient>.Instance);
        var tools = new List<AITool>
        {
            AIFunctionFactory.CreateDeclaration("weather", "The weather in a city", Parameters),
            AIFunctionFactory.CreateDeclaration("time", "The time", JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement),
        };

        for (var seed = 0; seed < 5; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], new ChatOptions
            {
                Temperature = 1f,
                Seed = seed,
                MaxOutputTokens = 300,
                Tools = tools,
                ToolMode = ChatToolMode.RequireSpecific("weather"),
            });

            var call = Assert.Single(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
            Assert.Equal("weather", call.Name);
            var arguments = JsonSerializer.SerializeToElement(call.Arguments);
            Assert.Null(ChatWeb.Tests.Engine.Constraints.SchemaCheck.Problem(arguments, Parameters));
            Assert.Equal(ChatFinishReason.ToolCalls, response.FinishReason);
        }
    }
}
