namespace Baton.Hosts.Agent;

/// <summary>How reading a request from standard input went.</summary>
internal enum RequestLineStatus
{
    /// <summary>A line arrived (with or without its newline before the end of input).</summary>
    Line,

    /// <summary>The input ended before a single byte of this line: there is no request to answer.</summary>
    Empty,

    /// <summary>More than the bound arrived before a newline; nothing beyond the bound was kept.</summary>
    TooLarge,

    /// <summary>The input could not be read at all.</summary>
    Unreadable,
}

/// <summary>
/// Reads request lines from standard input, one at a time, never holding more than the bound in memory. Bytes read
/// past a newline are kept for the next line: a session's client may send its next request before this one's answer.
/// </summary>
internal sealed class RequestLine(Stream input, int maxBytes)
{
    private readonly byte[] buffer = new byte[Math.Min(maxBytes + 1, 64 * 1024)];
    private int start;
    private int end;

    public async Task<(RequestLineStatus Status, byte[] Line, string? Error)> ReadAsync(CancellationToken ct)
    {
        using var line = new MemoryStream();
        try
        {
            while (true)
            {
                if (start == end)
                {
                    start = 0;
                    end = await input.ReadAsync(buffer, ct).ConfigureAwait(false);
                    if (end == 0) return line.Length == 0 ? (RequestLineStatus.Empty, [], null) : (RequestLineStatus.Line, Trim(line.ToArray()), null);
                }
                var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
                var take = (newline >= 0 ? newline : end) - start;
                if (line.Length + take > maxBytes) return (RequestLineStatus.TooLarge, [], null);
                line.Write(buffer, start, take);
                start += take;
                if (newline >= 0)
                {
                    start++;
                    return (RequestLineStatus.Line, Trim(line.ToArray()), null);
                }
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
