using System.Text;
using ChatWeb.Storage;
using Microsoft.Extensions.AI;

namespace ChatWeb.Chat.Transfer;

/// <summary>Conversations as a Markdown document for people: each one's title, then its selected branch, turn by turn.</summary>
public static class ConversationMarkdown
{
    public static string Write(IReadOnlyList<(StoredConversation Conversation, IReadOnlyList<StoredMessage> Messages)> conversations)
    {
        var text = new StringBuilder();
        foreach (var (conversation, messages) in conversations)
        {
            if (text.Length > 0)
                text.Append("\n---\n\n");
            text.Append("# ").Append(conversation.Title.ReplaceLineEndings(" ")).Append("\n\n");
            text.Append("_Started ").Append(conversation.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm")).Append(" UTC_\n\n");
            foreach (var message in ConversationTree.SelectedPath(messages))
            {
                text.Append(message.Role == ChatRole.User ? "## You" : "## Assistant").Append("\n\n");
                text.Append(message.Text.TrimEnd()).Append("\n\n");
                if (message.Status is MessageStatus.Stopped or MessageStatus.Interrupted or MessageStatus.Failed)
                    text.Append("_(").Append(message.Status).Append(message.Error is { } error ? $": {error}" : "").Append(")_\n\n");
            }
        }
        return text.ToString();
    }
}
