using ChatWeb.Admin;
using ChatWeb.Storage;
using ChatWeb.Tests.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ChatWeb.Tests.Admin;

public sealed class InitialAdminSetupTests : IDisposable
{
    private readonly TempDataFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private sealed class ListLogger : ILogger<InitialAdminSetup>
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }

    [Fact]
    public async Task WithoutConfiguredAccounts_AnAdminIsCreatedOnce_AndItsPasswordIsLoggedOnce()
    {
        var accounts = new AccountStore(_folder.Database(), TimeProvider.System);
        var logger = new ListLogger();
        var setup = new InitialAdminSetup(Options.Create(new AdminOptions()), accounts, logger);

        await setup.StartAsync(CancellationToken.None);
        await setup.StartAsync(CancellationToken.None);

        var line = Assert.Single(logger.Lines);
        var password = line.Split("with the password ")[1].Split(' ')[0];
        Assert.Equal(20, password.Length);
        var directory = new AccountDirectory(Options.Create(new AdminOptions()), accounts);
        Assert.Equal(("admin", true), directory.Verify("admin", password));
        Assert.Null(directory.Verify("admin", password + "x"));
        Assert.DoesNotContain(password, accounts.Find("admin")!.PasswordHash);
    }

    [Fact]
    public async Task WithConfiguredAccounts_NothingIsCreated()
    {
        var accounts = new AccountStore(_folder.Database(), TimeProvider.System);
        var options = Options.Create(new AdminOptions { Accounts = [new AccountOptions { Name = "ann", PasswordHash = PasswordHasher.Hash("pw", 1000) }] });
        var logger = new ListLogger();

        await new InitialAdminSetup(options, accounts, logger).StartAsync(CancellationToken.None);

        Assert.Equal(0, accounts.Count());
        Assert.Empty(logger.Lines);
    }
}
