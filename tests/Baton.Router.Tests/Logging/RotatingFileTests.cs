using System.Text;
using Baton.Router.Logging;

namespace Baton.Router.Tests.Logging;

public sealed class RotatingFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("baton-rotate-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Line(int i) => Encoding.ASCII.GetBytes($"line {i:D5} ".PadRight(99, '.') + "\n"); // 100 bytes

    [Fact]
    public void Write_PastTheLimit_RotatesAndKeepsOnlyNFiles()
    {
        var path = Path.Combine(_dir, "requests.log");
        using (var file = new RotatingFile(path, maxBytes: 1000, keep: 2))
            for (int i = 0; i < 45; i++) file.Write(Line(i));

        // 10 lines a file: 0–9, 10–19, 20–29 rotated away (only two kept), 30–39 in .1 and 40–44 current... .2 holds 20–29.
        Assert.Equal(Enumerable.Range(40, 5).Select(i => Encoding.ASCII.GetString(Line(i))), File.ReadLines(path).Select(l => l + "\n"));
        Assert.StartsWith("line 00030", File.ReadAllText(path + ".1"));
        Assert.StartsWith("line 00020", File.ReadAllText(path + ".2"));
        Assert.False(File.Exists(path + ".3"));
        foreach (var f in Directory.GetFiles(_dir)) Assert.True(new FileInfo(f).Length <= 1000, $"{f} is {new FileInfo(f).Length} bytes");
        // Every file Baton makes is its owner's alone.
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Write_KeepZero_StartsOverWithNoOldFile()
    {
        var path = Path.Combine(_dir, "requests.log");
        using (var file = new RotatingFile(path, maxBytes: 1000, keep: 0))
            for (int i = 0; i < 15; i++) file.Write(Line(i));
        Assert.Equal(5, File.ReadLines(path).Count());
        Assert.Single(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Write_AnotherProcessRotatedFirst_ReopensInsteadOfRotatingAgain()
    {
        var path = Path.Combine(_dir, "requests.log");
        using var mine = new RotatingFile(path, maxBytes: 1000, keep: 3);
        using var theirs = new RotatingFile(path, maxBytes: 1000, keep: 3);
        for (int i = 0; i < 10; i++) (i % 2 == 0 ? mine : theirs).Write(Line(i));
        theirs.Write(Line(10)); // full: they rotate
        mine.Write(Line(11));   // finds its file renamed: appends to the new one
        Assert.Equal(["line 00010", "line 00011"], File.ReadLines(path).Select(l => l[..10]));
        Assert.Equal(10, File.ReadLines(path + ".1").Count());
        Assert.False(File.Exists(path + ".2"));
    }

    [Fact]
    public void Write_FileExistsAlready_Appends()
    {
        var path = Path.Combine(_dir, "requests.log");
        File.WriteAllText(path, "earlier\n");
        using (var file = new RotatingFile(path, maxBytes: 1000, keep: 1)) file.Write(Line(1));
        Assert.Equal("earlier", File.ReadLines(path).First());
        Assert.Equal(2, File.ReadLines(path).Count());
    }
}
