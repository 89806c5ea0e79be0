using System.Net;
using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using ChatWeb.Api.Access;
using Microsoft.AspNetCore.Hosting;

namespace ChatWeb.Tests.Admin;

public sealed partial class ApiKeysPageTests(ChatWebFactory factory) : IClassFixture<ChatWebFactory>
{
    [GeneratedRegex("<pre id=\"new-key\">(cw-[A-Za-z0-9_-]+)</pre>")]
    private static partial Regex NewKey();

    [GeneratedRegex("\"Sha256\": \"([0-9a-f]{64})\"")]
    private static partial Regex NewKeyHash();

    [Fact]
    public async Task AdminMakesAKey_WhoseConfiguredHashOpensTheApi()
    {
        await using var withoutKeys = new ChatWebFactory { ApiKeys = false };
        using var admin = withoutKeys.NewBrowser();
        await FormPost.SignInAsync(admin, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);
        Assert.Contains("No API keys are configured", await admin.GetStringAsync("/admin/api-keys"));

        var made = await FormPost.SubmitAsync(admin, "/admin/api-keys", "new-key", ("KeyName", "ci-bot"));
        var html = WebUtility.HtmlDecode(await made.Content.ReadAsStringAsync());
        var key = NewKey().Match(html).Groups[1].Value;
        var hash = NewKeyHash().Match(html).Groups[1].Value;
        Assert.Equal(ApiKeyRing.Hash(key), hash);

        using var configured = withoutKeys.WithWebHostBuilder(b =>
        {
            b.UseSetting("ChatWeb:Api:Keys:0:Name", "ci-bot");
            b.UseSetting("ChatWeb:Api:Keys:0:Sha256", hash);
        });
        using var program = configured.CreateClient();
        program.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await program.GetAsync("/v1/models")).StatusCode);

        using var configuredAdmin = configured.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = true });
        await FormPost.SignInAsync(configuredAdmin, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);
        var listed = await configuredAdmin.GetStringAsync("/admin/api-keys");
        Assert.Contains("ci-bot", listed);
        Assert.Contains(hash[..12], listed);
        Assert.DoesNotContain(key, listed);
    }

    [Theory]
    [InlineData("bad name!", "1 to 40 letters")]
    [InlineData("", "1 to 40 letters")]
    public async Task ABadName_IsRefused_SayingWhatIsAllowed(string name, string reason)
    {
        using var admin = factory.NewBrowser();
        await FormPost.SignInAsync(admin, ChatWebFactory.AdminName, ChatWebFactory.AdminPassword);

        var response = await FormPost.SubmitAsync(admin, "/admin/api-keys", "new-key", ("KeyName", name));

        var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Matches($"id=\"key-name-error\">[^<]*{reason}", html); // under the name field
        Assert.DoesNotMatch(NewKey(), html);
    }

    [Fact]
    public async Task ANonAdmin_Gets403()
    {
        using var viewer = factory.NewBrowser();
        await FormPost.SignInAsync(viewer, ChatWebFactory.ViewerName, ChatWebFactory.ViewerPassword);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("/admin/api-keys")).StatusCode);
    }
}
