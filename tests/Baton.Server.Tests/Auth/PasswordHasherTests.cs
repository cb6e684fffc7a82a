using Baton.Server.Auth;

namespace Baton.Server.Tests.Auth;

public sealed class PasswordHasherTests
{
    [Fact]
    public void Hash_RightPassword_Verifies_WrongOneDoesNot()
    {
        var hash = PasswordHasher.Hash("correct horse battery", iterations: 1000);
        Assert.True(PasswordHasher.Verify("correct horse battery", hash));
        Assert.False(PasswordHasher.Verify("correct horse batterY", hash));
        Assert.False(PasswordHasher.Verify("", hash));
        Assert.DoesNotContain("correct", hash);
    }

    [Fact]
    public void Hash_SamePasswordTwice_DifferentSalts()
    {
        var a = PasswordHasher.Hash("same password here", iterations: 1000);
        var b = PasswordHasher.Hash("same password here", iterations: 1000);
        Assert.NotEqual(a, b);
        Assert.True(PasswordHasher.Verify("same password here", a));
        Assert.True(PasswordHasher.Verify("same password here", b));
    }

    [Fact]
    public void Hash_Format_NamesSchemeAndIterations()
    {
        var parts = PasswordHasher.Hash("a long password!").Split('$');
        Assert.Equal("pbkdf2-sha256", parts[0]);
        Assert.Equal(PasswordHasher.DefaultIterations.ToString(System.Globalization.CultureInfo.InvariantCulture), parts[1]);
        Assert.Equal(16, Convert.FromBase64String(parts[2]).Length);
        Assert.Equal(32, Convert.FromBase64String(parts[3]).Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain")]
    [InlineData("pbkdf2-sha256$x$AAAA$AAAA")]
    [InlineData("pbkdf2-sha256$1000$not base64$AAAA")]
    [InlineData("md5$1000$AAAA$AAAA")]
    public void Verify_DamagedHash_False(string stored) => Assert.False(PasswordHasher.Verify("anything at all", stored));

    [Theory]
    [InlineData(null, "Give a password.")]
    [InlineData("short", "at least 12")]
    public void Problem_TooShort_Explains(string? password, string expected) => Assert.Contains(expected, PasswordHasher.Problem(password));

    [Fact]
    public void Generate_LongAndDifferentEachTime()
    {
        var a = PasswordHasher.Generate();
        Assert.Null(PasswordHasher.Problem(a));
        Assert.NotEqual(a, PasswordHasher.Generate());
    }
}
