using System.Formats.Tar;

namespace Baton.Docker.Tests;

/// <summary>
/// The root filesystem of the tests' offline images: a static busybox at bin/busybox, a symlink
/// per applet, and the few folders the applets expect. Shared with the hosts' tests (linked).
/// </summary>
public static class BusyboxRootfs
{
    public static async Task<MemoryStream> TarAsync(string busyboxPath, IEnumerable<string> applets, IEnumerable<string> folders)
    {
        var output = new MemoryStream();
        await using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var dir in folders)
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, dir) { Mode = (UnixFileMode)0b111_101_101 });
            await writer.WriteEntryAsync(busyboxPath, "bin/busybox");
            foreach (var applet in applets)
                await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, $"bin/{applet}") { LinkName = "busybox" });
        }
        output.Position = 0;
        return output;
    }
}
