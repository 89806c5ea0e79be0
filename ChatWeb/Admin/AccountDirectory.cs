using ChatWeb.Storage;
using Microsoft.Extensions.Options;

namespace ChatWeb.Admin;

/// <summary>
/// Checks a name and password against the configured accounts or, while none is configured, the stored
/// one (the generated first admin: once real accounts are configured it can no longer sign in).
/// Every check costs one password hash, also for a name that does not exist, so the time an answer
/// takes does not tell which names exist.
/// </summary>
public sealed class AccountDirectory(IOptions<AdminOptions> options, AccountStore stored)
{
    private readonly Lazy<string> _decoy = new(() => PasswordHasher.Hash("decoy-" + Guid.NewGuid(),
        options.Value.Accounts.Select(a => PasswordHasher.Iterations(a.PasswordHash)).FirstOrDefault(i => i > 0) is var i and > 0
            ? i : PasswordHasher.DefaultIterations));

    /// <summary>The signed-in account, or null when the name is unknown or the password wrong.</summary>
    public (string Name, bool IsAdmin)? Verify(string name, string password)
    {
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(password))
            return null;
        var account = Find(name.Trim());
        var matches = PasswordHasher.Verify(password, account?.PasswordHash ?? _decoy.Value);
        return account is not null && matches ? (account.Name, account.IsAdmin) : null;
    }

    private StoredAccount? Find(string name)
    {
        var configured = options.Value.Accounts;
        if (configured.Count > 0)
            return configured.FirstOrDefault(a => string.Equals(a.Name, name, StringComparison.OrdinalIgnoreCase)) is { } a
                ? new StoredAccount(a.Name, a.PasswordHash, a.IsAdmin)
                : null;
        return stored.Find(name);
    }
}
