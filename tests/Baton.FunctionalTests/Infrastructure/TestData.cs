using System.Security.Cryptography;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>Large deterministic payloads, generated as they stream so no test holds 50 MB in memory.</summary>
public static class TestData
{
    public const long FiftyMegabytes = 50L * 1024 * 1024;

    private static byte[] Block(long index)
    {
        var block = new byte[64 * 1024];
        new Random(unchecked((int)index * 7919 + 17)).NextBytes(block);
        return block;
    }

    public static async Task WriteAsync(Stream destination, long length, CancellationToken ct)
    {
        for (long offset = 0, i = 0; offset < length; i++)
        {
            var block = Block(i);
            int n = (int)Math.Min(block.Length, length - offset);
            await destination.WriteAsync(block.AsMemory(0, n), ct);
            offset += n;
        }
    }

    public static string Sha256Hex(long length)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long offset = 0, i = 0; offset < length; i++)
        {
            var block = Block(i);
            int n = (int)Math.Min(block.Length, length - offset);
            sha.AppendData(block, 0, n);
            offset += n;
        }
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>A request body of <paramref name="length"/> bytes, produced while it is sent.</summary>
    public sealed class StreamedContent(long length, bool chunked = false) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context) =>
            WriteAsync(stream, length, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context, CancellationToken cancellationToken) =>
            WriteAsync(stream, length, cancellationToken);

        protected override bool TryComputeLength(out long l)
        {
            l = length;
            return !chunked;
        }
    }
}
