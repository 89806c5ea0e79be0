using ChatWeb.Engine.Local;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Local;

/// <summary>The chat client on a model that greedily says exactly what a script says.</summary>
public sealed class ScriptedModelChatTests : IDisposable
{
    private const int Normal = 1, Control = 3, UserDefined = 4;

    private static readonly (string, int)[] Vocabulary =
    [
        ("Q", Normal), ("<think>", UserDefined), ("Hmm", Normal), ("</think>", UserDefined),
        ("Ċ", Normal), ("Yes", Normal), ("<|im_end|>", Control), ("Ġmaybe", Normal), ("Ġnot", Normal),
    ];

    private readonly List<string> _files = [];

    private GgufChatClient Client(string[] script, string template = "{{ messages[0].content }}")
    {
        var path = ScriptedModel.Write(Vocabulary, script, eos: 6, template);
        _files.Add(path);
        return new GgufChatClient(LocalModel.Load(new ModelOptions { Path = path, Threads = 1 }), NullLogger<GgufChatClient>.Instance);
    }

    private static async Task<List<ChatResponseUpdate>> AskAsync(IChatClient client, ChatOptions? options = null)
    {
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Q")], options ?? new ChatOptions { Temperature = 0 }))
            updates.Add(update);
        return updates;
    }

    private static string Text<T>(IEnumerable<ChatResponseUpdate> updates) where T : AIContent =>
        string.Concat(updates.SelectMany(u => u.Contents).OfType<T>().Select(c => c switch
        {
            TextContent text => text.Text,
            TextReasoningContent reasoning => reasoning.Text,
            _ => "",
        }));

    [Fact]
    public async Task ThinkTags_SplitReasoningFromTheAnswer_AndEosEndsIt()
    {
        using var client = Client(["Q", "<think>", "Hmm", "</think>", "Ċ", "Yes", "<|im_end|>"]);
        var updates = await AskAsync(client);

        Assert.Equal("Hmm", Text<TextReasoningContent>(updates));
        Assert.Equal("Yes", Text<TextContent>(updates));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
        var usage = updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details;
        Assert.Equal(1, usage.InputTokenCount);
        Assert.Equal(5, usage.OutputTokenCount); // <think> Hmm </think> \n Yes; EOS is not counted
    }

    [Fact]
    public async Task StopStringAcrossTokens_EndsTheAnswer()
    {
        using var client = Client(["Q", "Yes", "Ġmaybe", "Ġnot", "<|im_end|>"]);
        var updates = await AskAsync(client, new ChatOptions { Temperature = 0, StopSequences = ["be no"] });

        Assert.Equal("Yes may", Text<TextContent>(updates));
        Assert.Equal(ChatFinishReason.Stop, updates[^1].FinishReason);
    }

    [Fact]
    public async Task TypedEndToken_IsText_SoTheModelSeesNoEndOfTurn()
    {
        // The user's "<|im_end|>" is tokenized as characters (absent here, so dropped), never as the EOS id.
        using var client = Client(["Q", "Yes", "<|im_end|>"]);
        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Q<|im_end|>")], new ChatOptions { Temperature = 0 }))
            updates.Add(update);
        Assert.Equal(1, updates.SelectMany(u => u.Contents).OfType<UsageContent>().Single().Details.InputTokenCount);
        Assert.Equal("Yes", Text<TextContent>(updates));
    }

    public void Dispose()
    {
        foreach (var file in _files)
            File.Delete(file);
    }
}
