using System.Net;
using System.Text.RegularExpressions;

namespace ChatWeb.Tests.Admin;

/// <summary>Fills and posts the server-rendered forms of a page the way a browser would.</summary>
internal static partial class FormPost
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"|type=\"hidden\" name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();

    public static string Token(string html)
    {
        var match = TokenPattern().Match(html);
        Assert.True(match.Success, "the page has no antiforgery token:\n" + html);
        return WebUtility.HtmlDecode(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value);
    }

    /// <summary>GETs the page, then posts the named form with the page's antiforgery token and the given fields.</summary>
    public static async Task<HttpResponseMessage> SubmitAsync(HttpClient client, string page, string formName,
        params (string Name, string Value)[] fields)
    {
        var html = await client.GetStringAsync(page);
        return await PostAsync(client, page, formName, Token(html), fields);
    }

    public static Task<HttpResponseMessage> PostAsync(HttpClient client, string page, string formName, string? token,
        params (string Name, string Value)[] fields)
    {
        var values = new List<KeyValuePair<string, string>> { new("_handler", formName) };
        if (token is not null)
            values.Add(new("__RequestVerificationToken", token));
        values.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
        return client.PostAsync(page, new FormUrlEncodedContent(values));
    }

    public static async Task SignInAsync(HttpClient client, string name, string password)
    {
        var response = await SubmitAsync(client, "/admin/login", "login", ("Input.Name", name), ("Input.Password", password));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }
}
