using System.Security.Cryptography;

namespace ChatWeb.Admin;

/// <summary>
/// Password hashes as PBKDF2-HMAC-SHA256 with a random 16-byte salt, written as
/// <c>pbkdf2-sha256$iterations$salt$hash</c> (salt and hash in Base64). The iteration count travels
/// with the hash, so it can be raised later without breaking stored hashes.
/// </summary>
public static class PasswordHasher
{
    public const int DefaultIterations = 600_000;
    private const string Scheme = "pbkdf2-sha256";

    public static string Hash(string password, int iterations = DefaultIterations)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, 32);
        return $"{Scheme}${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>True when the password matches; false for a wrong password or a malformed hash.</summary>
    public static bool Verify(string password, string encoded)
    {
        var parts = encoded.Split('$');
        if (parts.Length != 4 || parts[0] != Scheme || !int.TryParse(parts[1], out var iterations) || iterations < 1)
            return false;
        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            var actual = Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA256, expected.Length);
            return CryptographicOperations.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The iteration count a hash was made with; 0 when the text is not such a hash.</summary>
    public static int Iterations(string encoded) =>
        encoded.Split('$') is [Scheme, var count, _, _] && int.TryParse(count, out var iterations) && iterations > 0 ? iterations : 0;

    /// <summary>True when the text has the shape of a hash this class writes.</summary>
    public static bool LooksLikeHash(string? encoded) =>
        encoded is not null && encoded.StartsWith(Scheme + "$", StringComparison.Ordinal) && encoded.Split('$').Length == 4;
}
