namespace ChatWeb.Engine.Templates;

/// <summary>One message of a conversation as a chat template sees it: <c>message.role</c>, <c>message.content</c>.</summary>
/// <param name="Role">"system", "user", "assistant" or "tool".</param>
/// <param name="Content">The message's text (for an assistant, the answer without its thinking).</param>
public sealed record ChatTurn(string Role, string Content);
