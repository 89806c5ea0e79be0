namespace ChatWeb.Admin;

/// <summary>Sign-in accounts from configuration (<c>ChatWeb:Admin:Accounts</c>).</summary>
public sealed class AdminOptions
{
    public const string Section = "ChatWeb:Admin";

    public List<AccountOptions> Accounts { get; set; } = [];
}

/// <summary>One configured account: a name, a password hash made by <see cref="PasswordHasher"/>, and whether it may administer.</summary>
public sealed class AccountOptions
{
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public bool IsAdmin { get; set; } = true;
}
