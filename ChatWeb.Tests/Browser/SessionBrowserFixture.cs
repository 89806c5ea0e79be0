using ChatWeb.Admin;

namespace ChatWeb.Tests.Browser;

/// <summary>A ChatWeb of its own (it gets restarted) with one configured admin account.</summary>
public sealed class SessionBrowserFixture : BrowserFixture
{
    public const string AdminName = "root";
    public const string AdminPassword = "browser-admin-password";

    // Few iterations: the hash is only for this test run.
    private static readonly string AdminHash = PasswordHasher.Hash(AdminPassword, iterations: 1000);

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["ChatWeb:Demo:WordDelayMs"] = "60",
        ["ChatWeb:Admin:Accounts:0:Name"] = AdminName,
        ["ChatWeb:Admin:Accounts:0:PasswordHash"] = AdminHash,
    };
}

[CollectionDefinition(Name)]
public sealed class SessionBrowserCollection : ICollectionFixture<SessionBrowserFixture>
{
    public const string Name = "sessions-browser";
}
