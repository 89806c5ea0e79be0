using System.Text.Json;
using ChatWeb.Engine.Chat;
using ChatWeb.Engine.Local;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatWeb.Tests.Engine.Constraints;

/// <summary>
/// Constrained decoding with stories260K, a story model that knows nothing of JSON: whatever it writes under
/// a JSON schema parses and validates, so the constraint does all the work.
/// </summary>
public sealed class ConstrainedStoriesTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse("""
        {"type":"object","properties":{
          "name":{"type":"string","maxLength":20},
          "age":{"type":"integer"},
          "kind":{"enum":["cat","dog","bird"]},
          "alive":{"type":"boolean"},
          "tags":{"type":"array","items":{"type":"string","maxLength":10},"maxItems":3},
          "pos":{"type":"object","properties":{"x":{"type":"number"},"y":{"type":"number"}},"required":["x","y"],"additionalProperties":false},
          "note":{"anyOf":[{"type":"string","maxLength":10},{"type":"null"}]}},
         "required":["name","age","kind","alive","tags","pos","note"],"additionalProperties":false}
        """).RootElement;

    private static GgufChatClient Client() => new(
        LocalModel.Load(new ModelOptions { Path = TestPaths.Model("stories260K", "stories260K.gguf"), Threads = 1 }),
        NullLogger<GgufChatClient>.Instance);

    [Fact]
    public async Task FiftyGenerations_UnderAJsonSchema_AllParseAndValidate()
    {
        using var client = Client();
        var tokens = new List<int>();
        for (var seed = 0; seed < 50; seed++)
        {
            var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")], new ChatOptions
            {
                Temperature = 1f,
                Seed = seed,
                MaxOutputTokens = 400,
                ResponseFormat = ChatResponseFormat.ForJsonSchema(Schema, "animal"),
            });

            using var document = JsonDocument.Parse(response.Text); // throws when it does not parse
            tokens.Add((int)response.Usage!.OutputTokenCount!);
            Assert.Null(SchemaCheck.Problem(document.RootElement, Schema));
            Assert.Equal(ChatFinishReason.Stop, response.FinishReason);
        }
        Console.WriteLine($"50 constrained answers: {tokens.Min()}..{tokens.Max()} tokens, mean {tokens.Average():0}");
    }

    [Fact]
    public async Task Logprobs_ComeWithEveryToken_TheChosenOneAmongTheTop()
    {
        using var client = Client();
        var logprobs = new List<TokenLogprob>();
        var text = "";

        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, "Once upon a time")],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 12 }.WithLogprobs(3)))
        {
            if (update.GetLogprob() is { } logprob)
                logprobs.Add(logprob);
            text += update.Text;
        }

        Assert.Equal(12, logprobs.Count);
        Assert.Equal(text.TrimStart(), string.Concat(logprobs.Select(l => l.Token)).TrimStart());
        Assert.All(logprobs, l =>
        {
            Assert.Equal(3, l.TopLogprobs.Count);
            Assert.InRange(l.Logprob, double.NegativeInfinity, 0);
            Assert.Equal(l.TopLogprobs[0].Logprob, l.Logprob, 5); // greedy: the chosen token is the most likely
            Assert.True(l.TopLogprobs[0].Logprob >= l.TopLogprobs[1].Logprob);
        });
    }
}
