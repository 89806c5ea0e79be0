using ChatWeb.Engine.Templates;
using ChatWeb.Engine.Tokenization;
using Microsoft.Extensions.AI;

namespace ChatWeb.Engine.Local;

/// <summary>A conversation written in the model's chat format, and its tokens.</summary>
/// <param name="Text">The prompt as the chat template wrote it.</param>
/// <param name="Tokens">Its token ids (BOS first when the model asks for it).</param>
/// <param name="OpensThinking">The template ended the prompt inside a &lt;think&gt; block, so the answer starts with thinking.</param>
internal sealed record ChatPrompt(string Text, List<int> Tokens, bool OpensThinking)
{
    /// <summary>
    /// Formats <paramref name="messages"/> with the template and tokenizes the result. Special
    /// tokens the template wrote are parsed as such; inside the messages' own text (located in the
    /// prompt) they stay plain characters, so a typed "&lt;|im_end|&gt;" cannot end a turn.
    /// </summary>
    /// <param name="tools">Functions the model may call: handed to a template that renders <c>tools</c>, else described in the system prompt.</param>
    public static ChatPrompt Build(IEnumerable<ChatMessage> messages, ChatPromptFormatter formatter, Tokenizer tokenizer, bool? enableThinking,
        IReadOnlyList<AIFunctionDeclaration>? tools = null)
    {
        var native = formatter.SupportsTools;
        var turns = messages.Select(m => Turn(m, native)).ToList();
        if (tools is { Count: > 0 } && !native)
        {
            var description = ToolCallFormat.Describe(tools);
            if (turns.Count > 0 && turns[0].Role == "system")
                turns[0] = turns[0] with { Content = turns[0].Content + "\n\n" + description };
            else
                turns.Insert(0, new ChatTurn("system", description));
        }
        var text = formatter.Format(turns, addGenerationPrompt: true, enableThinking,
            tools is { Count: > 0 } && native ? tools.Select(ToolCallFormat.Definition).ToList() : null);

        var plain = new List<Range>();
        var from = 0;
        foreach (var turn in turns)
        {
            var content = turn.Content.Trim();
            if (content.Length == 0) continue;
            var at = text.IndexOf(content, from, StringComparison.Ordinal);
            if (at < 0) continue; // the template changed this text; it is tokenized with the rest
            plain.Add(at..(at + content.Length));
            from = at + content.Length;
        }

        var tokens = new List<int>();
        var bosText = tokenizer.TokenTextOrNull(tokenizer.Specials.Bos);
        if (tokenizer.Specials.AddBos && tokenizer.Specials.Bos is int bos && !(bosText is { Length: > 0 } && text.StartsWith(bosText, StringComparison.Ordinal)))
            tokens.Add(bos);
        tokenizer.Encode(text, plain, parseSpecial: true, tokens);

        var opensThinking = text.TrimEnd().EndsWith("<think>", StringComparison.Ordinal);
        return new ChatPrompt(text, tokens, opensThinking);
    }

    /// <summary>Plain text to continue, without a chat template (a text completion): BOS when the model asks for it, then the text's tokens.</summary>
    public static ChatPrompt Raw(string text, Tokenizer tokenizer)
    {
        var tokens = new List<int>();
        if (tokenizer.Specials.AddBos && tokenizer.Specials.Bos is int bos)
            tokens.Add(bos);
        tokens.AddRange(tokenizer.Encode(text));
        return new ChatPrompt(text, tokens, OpensThinking: false);
    }

    /// <summary>A message as a template turn: function calls as tool_calls (or, for a template without tools, as the text the model writes); a function's result as a tool turn's text.</summary>
    private static ChatTurn Turn(ChatMessage message, bool nativeTools)
    {
        var results = message.Contents.OfType<FunctionResultContent>().Select(r => r.Result switch
        {
            string s => s,
            null => "",
            var other => System.Text.Json.JsonSerializer.Serialize(other),
        });
        var text = message.Role == ChatRole.Tool ? string.Join("\n", results) + message.Text : message.Text;
        var calls = message.Contents.OfType<FunctionCallContent>()
            .Select(c => new ChatToolCall(c.CallId, c.Name, System.Text.Json.JsonSerializer.Serialize(c.Arguments ?? new Dictionary<string, object?>())))
            .ToList();
        if (calls.Count > 0 && !nativeTools)
            return new ChatTurn(RoleName(message.Role), string.Join("\n", [text, .. calls.Select(c => ToolCallFormat.Write(c.Name, c.Arguments))]).Trim());
        return new ChatTurn(RoleName(message.Role), text) { ToolCalls = calls };
    }

    private static string RoleName(ChatRole role) =>
        role == ChatRole.System ? "system"
        : role == ChatRole.Assistant ? "assistant"
        : role == ChatRole.Tool ? "tool"
        : "user";
}
