namespace ChatWeb.Chat;

/// <summary>Show another version of a message: <see cref="Step"/> = −1 the previous one, +1 the next.</summary>
public sealed record BranchSwitch(ConversationMessage Message, int Step);
