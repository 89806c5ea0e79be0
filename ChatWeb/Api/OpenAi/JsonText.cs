using System.Text.Json;

namespace ChatWeb.Api.OpenAi;

/// <summary>Reads JSON strings that a client may have sent broken (invalid UTF-8, a lone surrogate like "\ud800") without throwing.</summary>
internal static class JsonText
{
    /// <summary>The string's text, or null when the value is not a string or its text is not valid Unicode.</summary>
    public static string? Read(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            return null;
        try
        {
            var text = value.GetString()!;
            return IsWellFormed(text) ? text : null;
        }
        catch (InvalidOperationException)
        {
            return null; // invalid UTF-8 or an escaped lone surrogate
        }
    }

    /// <summary>True when no surrogate stands alone.</summary>
    public static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                i++;
            else if (char.IsSurrogate(text[i]))
                return false;
        }
        return true;
    }
}
