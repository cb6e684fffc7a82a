namespace Baton.Hosts.Agent;

/// <summary>How reading the request from standard input went.</summary>
internal enum RequestLineStatus
{
    /// <summary>A line arrived (with or without its newline before the end of input).</summary>
    Line,

    /// <summary>The input ended before a single byte: there is no request to answer.</summary>
    Empty,

    /// <summary>More than the bound arrived before a newline; nothing beyond the bound was kept.</summary>
    TooLarge,

    /// <summary>The input could not be read at all.</summary>
    Unreadable,
}

/// <summary>Reads the one request line from standard input, never holding more than the bound in memory.</summary>
internal static class RequestLine
{
    public static async Task<(RequestLineStatus Status, byte[] Line, string? Error)> ReadAsync(Stream input, int maxBytes, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
        using var line = new MemoryStream();
        try
        {
            while (true)
            {
                var read = await input.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (read == 0)
                {
                    return line.Length == 0 ? (RequestLineStatus.Empty, [], null) : (RequestLineStatus.Line, Trim(line.ToArray()), null);
                }
                var newline = Array.IndexOf(buffer, (byte)'\n', 0, read);
                var take = newline >= 0 ? newline : read;
                if (line.Length + take > maxBytes) return (RequestLineStatus.TooLarge, [], null);
                line.Write(buffer, 0, take);
                if (newline >= 0) return (RequestLineStatus.Line, Trim(line.ToArray()), null);
            }
        }
        catch (IOException e)
        {
            return (RequestLineStatus.Unreadable, [], e.Message);
        }
    }

    /// <summary>Waits until the input ends (the client closed its side), discarding anything after the request.</summary>
    public static async Task DrainAsync(Stream input, CancellationToken ct)
    {
        var buffer = new byte[4096];
        try
        {
            while (await input.ReadAsync(buffer, ct).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (IOException)
        {
            // A broken input is an ended one.
        }
    }

    private static byte[] Trim(byte[] line) => line is [.., (byte)'\r'] ? line[..^1] : line;
}
