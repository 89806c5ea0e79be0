namespace ChatWeb.Chat;

/// <summary>A user message and the text it should have instead; the conversation resumes from it.</summary>
public sealed record MessageEdit(ConversationMessage Message, string NewText);
