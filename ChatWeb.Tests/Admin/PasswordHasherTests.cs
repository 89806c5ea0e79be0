using ChatWeb.Admin;

namespace ChatWeb.Tests.Admin;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Verify_AcceptsTheRightPassword_Only()
    {
        var hash = PasswordHasher.Hash("correct horse", iterations: 1000);

        Assert.True(PasswordHasher.Verify("correct horse", hash));
        Assert.False(PasswordHasher.Verify("correct horsE", hash));
        Assert.False(PasswordHasher.Verify("", hash));
    }

    [Fact]
    public void Hash_IsSalted_AndNamesItsSchemeAndIterations()
    {
        var first = PasswordHasher.Hash("same", iterations: 1000);
        var second = PasswordHasher.Hash("same", iterations: 1000);

        Assert.NotEqual(first, second);
        Assert.StartsWith("pbkdf2-sha256$1000$", first);
        Assert.True(PasswordHasher.LooksLikeHash(first));
        Assert.DoesNotContain("same", first);
    }

    [Theory]
    [InlineData("plain-password")]
    [InlineData("pbkdf2-sha256$x$abc$def")]
    [InlineData("pbkdf2-sha256$1000$not base64!$def")]
    [InlineData("md5$1$a$b")]
    public void Verify_RefusesMalformedHashes(string encoded) => Assert.False(PasswordHasher.Verify("anything", encoded));

    [Fact]
    public void DefaultIterations_FollowCurrentAdvice() => Assert.True(PasswordHasher.DefaultIterations >= 600_000);
}
