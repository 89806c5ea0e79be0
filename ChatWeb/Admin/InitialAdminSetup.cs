using System.Security.Cryptography;
using ChatWeb.Storage;
using Microsoft.Extensions.Options;

namespace ChatWeb.Admin;

/// <summary>
/// On first run with no account configured, creates the account "admin" with a random password and
/// writes that password to the log once; it is stored only as a hash, so it is never shown again.
/// </summary>
internal sealed partial class InitialAdminSetup(IOptions<AdminOptions> options, AccountStore accounts, ILogger<InitialAdminSetup> logger)
    : IHostedService
{
    public const string Name = "admin";

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Accounts.Count > 0 || accounts.Count() > 0)
            return Task.CompletedTask;
        var password = RandomNumberGenerator.GetString("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 20);
        accounts.Add(Name, PasswordHasher.Hash(password), isAdmin: true);
        LogInitialAdmin(Name, password);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message =
        "No admin account is configured, so ChatWeb created one. Sign in at /admin as \"{Name}\" with the password {Password} . " +
        "It is shown only this once; configure ChatWeb:Admin:Accounts to use your own accounts.")]
    private partial void LogInitialAdmin(string name, string password);
}
