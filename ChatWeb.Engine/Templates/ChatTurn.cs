namespace ChatWeb.Engine.Templates;

/// <summary>One message of a conversation as a chat template sees it: <c>message.role</c>, <c>message.content</c>, <c>message.tool_calls</c>.</summary>
/// <param name="Role">"system", "user", "assistant" or "tool".</param>
/// <param name="Content">The message's text (for an assistant, the answer without its thinking; for a tool, its result).</param>
public sealed record ChatTurn(string Role, string Content)
{
    /// <summary>The functions an assistant message called.</summary>
    public IReadOnlyList<ChatToolCall> ToolCalls { get; init; } = [];
}

/// <summary>A function call in an assistant message: its id, the function's name and its arguments as a JSON object.</summary>
public sealed record ChatToolCall(string Id, string Name, string Arguments);
