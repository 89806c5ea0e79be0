using ChatWeb.Storage;
using Microsoft.Extensions.Options;

namespace ChatWeb.Admin;

/// <summary>Checks a name and password against the configured accounts, then the stored ones (the initial admin).</summary>
public sealed class AccountDirectory(IOptions<AdminOptions> options, AccountStore stored)
{
    /// <summary>The signed-in account, or null when the name is unknown or the password wrong.</summary>
    public (string Name, bool IsAdmin)? Verify(string name, string password)
    {
        if (string.IsNullOrWhiteSpace(name) || string.IsNullOrEmpty(password))
            return null;
        var configured = options.Value.Accounts.FirstOrDefault(a => string.Equals(a.Name, name.Trim(), StringComparison.OrdinalIgnoreCase));
        if (configured is not null)
            return PasswordHasher.Verify(password, configured.PasswordHash) ? (configured.Name, configured.IsAdmin) : null;
        var account = stored.Find(name.Trim());
        return account is not null && PasswordHasher.Verify(password, account.PasswordHash) ? (account.Name, account.IsAdmin) : null;
    }
}
