using System.Text;

namespace ChatWeb.Chat.Transfer;

/// <summary>Safe download file names.</summary>
public static class FileNames
{
    /// <summary>A title as a file-name part: letters and digits, words joined by "-", at most 40 characters; "conversation" when nothing is left.</summary>
    public static string Slug(string title)
    {
        var slug = new StringBuilder();
        foreach (var c in title.ToLowerInvariant())
        {
            if (char.IsAsciiLetterOrDigit(c))
                slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-')
                slug.Append('-');
            if (slug.Length >= 40)
                break;
        }
        var result = slug.ToString().Trim('-');
        return result.Length == 0 ? "conversation" : result;
    }
}
