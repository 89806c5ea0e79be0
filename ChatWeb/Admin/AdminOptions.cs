using System.ComponentModel.DataAnnotations;

namespace ChatWeb.Admin;

/// <summary>Sign-in accounts from configuration (<c>ChatWeb:Admin:Accounts</c>).</summary>
public sealed class AdminOptions
{
    public const string Section = "ChatWeb:Admin";

    public List<AccountOptions> Accounts { get; set; } = [];

    /// <summary>Failed sign-ins for one name (existing or not) before it is locked for <see cref="LockoutMinutes"/>.</summary>
    [Range(1, 1000, ErrorMessage = "ChatWeb:Admin:MaxFailuresPerAccount must be between 1 and 1000.")]
    public int MaxFailuresPerAccount { get; set; } = 5;

    /// <summary>Failed sign-ins from one network address, whatever the names, before it is locked.</summary>
    [Range(1, 100_000, ErrorMessage = "ChatWeb:Admin:MaxFailuresPerAddress must be between 1 and 100000.")]
    public int MaxFailuresPerAddress { get; set; } = 20;

    /// <summary>How long failures are counted, and how long a lock lasts.</summary>
    [Range(1, 1440, ErrorMessage = "ChatWeb:Admin:LockoutMinutes must be between 1 and 1440.")]
    public int LockoutMinutes { get; set; } = 15;
}

/// <summary>One configured account: a name, a password hash made by <see cref="PasswordHasher"/>, and whether it may administer.</summary>
public sealed class AccountOptions
{
    public string Name { get; set; } = "";
    public string PasswordHash { get; set; } = "";
    public bool IsAdmin { get; set; } = true;
}
