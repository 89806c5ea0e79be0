using ChatWeb.Admin;
using ChatWeb.Tests.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatWeb.Tests.Admin;

/// <summary>ChatWeb in-process on a temp data folder, with an admin and a non-admin account.</summary>
public sealed class ChatWebFactory : WebApplicationFactory<Program>
{
    public const string AdminName = "root", AdminPassword = "admin-password-1";
    public const string ViewerName = "viewer", ViewerPassword = "viewer-password-1";

    private readonly TempDataFolder _folder = new();

    /// <summary>The environment to run in; "Production" turns on Secure cookies.</summary>
    public string Environment { get; init; } = "Development";

    public string DataFolder => _folder.Path;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(Environment);
        builder.UseSetting("ChatWeb:Storage:DataFolder", _folder.Path);
        builder.UseSetting("ChatWeb:Demo:WordDelayMs", "0");
        builder.UseSetting("ChatWeb:Admin:Accounts:0:Name", AdminName);
        builder.UseSetting("ChatWeb:Admin:Accounts:0:PasswordHash", PasswordHasher.Hash(AdminPassword, 1000));
        builder.UseSetting("ChatWeb:Admin:Accounts:1:Name", ViewerName);
        builder.UseSetting("ChatWeb:Admin:Accounts:1:PasswordHash", PasswordHasher.Hash(ViewerPassword, 1000));
        builder.UseSetting("ChatWeb:Admin:Accounts:1:IsAdmin", "false");
    }

    /// <summary>A client that keeps cookies and does not follow redirects (tests look at them).</summary>
    public HttpClient NewBrowser() => CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        _folder.Dispose();
    }
}
