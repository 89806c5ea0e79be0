using ChatWeb.Engine.Chat;

namespace ChatWeb.Chat;

/// <summary>About four characters per token, the usual rule of thumb for English with BPE vocabularies.</summary>
internal sealed class EstimatedTokenCounter : ITokenCounter
{
    public bool IsExact => false;

    public int Count(string text) => (text.Length + 3) / 4;
}
