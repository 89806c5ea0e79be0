using System.Text;
using Microsoft.Extensions.AI;

namespace ChatWeb.Chat;

/// <summary>
/// One message of the conversation as the page shows it. An assistant message grows while it
/// streams; <see cref="Changed"/> tells its view to re-render without re-rendering the whole list.
/// </summary>
public sealed class ConversationMessage(ChatRole role, string text = "", MessageStatus status = MessageStatus.Complete)
{
    private readonly StringBuilder _text = new(text);
    private string? _textCache = text;

    public ChatRole Role { get; } = role;
    public MessageStatus Status { get; private set; } = status;
    public string? Error { get; private set; }

    /// <summary>Grows by one with every change; views compare it to skip needless renders.</summary>
    public int Version { get; private set; }

    public string Text => _textCache ??= _text.ToString();

    /// <summary>Raised after every change, on the caller's thread.</summary>
    public event Action? Changed;

    public void Append(string piece)
    {
        if (piece.Length == 0)
            return;
        _text.Append(piece);
        _textCache = null;
        Touch();
    }

    public void Finish(MessageStatus status, string? error = null)
    {
        Status = status;
        Error = error;
        Touch();
    }

    private void Touch()
    {
        Version++;
        Changed?.Invoke();
    }
}
