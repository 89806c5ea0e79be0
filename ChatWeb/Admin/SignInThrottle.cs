using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace ChatWeb.Admin;

/// <summary>
/// Counts failed sign-ins per account name (known or not) and per network address. Once either reaches
/// its limit within <see cref="AdminOptions.LockoutMinutes"/>, sign-ins for that name or from that address
/// are refused without checking the password until the window has passed, even with the right password.
/// A successful sign-in clears its name's count (not its address's).
/// </summary>
public sealed class SignInThrottle(IOptions<AdminOptions> options, TimeProvider time)
{
    private const int MaxTracked = 100_000;
    private readonly ConcurrentDictionary<string, Window> _failures = new();

    private sealed record Window(DateTimeOffset Start, int Count);

    /// <summary>How long until this name may try again from this address; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string name, string address)
    {
        var now = time.GetUtcNow();
        var account = Locked(NameKey(name), options.Value.MaxFailuresPerAccount, now);
        var origin = Locked(AddressKey(address), options.Value.MaxFailuresPerAddress, now);
        return account is null ? origin : origin is null ? account : account > origin ? account : origin;
    }

    public void Failed(string name, string address)
    {
        var now = time.GetUtcNow();
        if (_failures.Count > MaxTracked)
            foreach (var (key, window) in _failures)
                if (now - window.Start >= Lockout)
                    _failures.TryRemove(key, out _);
        Count(NameKey(name), now);
        Count(AddressKey(address), now);
    }

    public void Succeeded(string name) => _failures.TryRemove(NameKey(name), out _);

    private TimeSpan Lockout => TimeSpan.FromMinutes(options.Value.LockoutMinutes);

    private void Count(string key, DateTimeOffset now) => _failures.AddOrUpdate(key, _ => new Window(now, 1),
        (_, window) => now - window.Start >= Lockout ? new Window(now, 1) : window with { Count = window.Count + 1 });

    private TimeSpan? Locked(string key, int limit, DateTimeOffset now) =>
        _failures.TryGetValue(key, out var window) && window.Count >= limit && window.Start + Lockout - now is { Ticks: > 0 } wait
            ? wait : null;

    private static string NameKey(string name) => "name:" + name.Trim().ToUpperInvariant();
    private static string AddressKey(string address) => "address:" + address;
}
