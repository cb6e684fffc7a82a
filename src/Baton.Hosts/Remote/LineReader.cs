namespace Baton.Hosts.Remote;

/// <summary>Reads the agent's answer lines off a channel's output, one at a time, never more than a bound per line.</summary>
internal sealed class LineReader(Stream stream, int maxLineBytes)
{
    private readonly byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;

    /// <summary>The next line without its newline (empty for a heartbeat); null once the output has ended.</summary>
    /// <exception cref="InvalidDataException">A line longer than the bound.</exception>
    public async Task<byte[]?> ReadLineAsync(CancellationToken ct)
    {
        using var line = new MemoryStream();
        while (true)
        {
            if (start == end)
            {
                start = 0;
                end = await stream.ReadAsync(buffer, ct).ConfigureAwait(false);
                if (end == 0) return line.Length == 0 ? null : line.ToArray();
            }
            var newline = Array.IndexOf(buffer, (byte)'\n', start, end - start);
            var take = (newline >= 0 ? newline : end) - start;
            if (line.Length + take > maxLineBytes) throw new InvalidDataException($"an answer line is longer than {maxLineBytes / 1024 / 1024} MiB");
            line.Write(buffer, start, take);
            start += take;
            if (newline >= 0)
            {
                start++;
                return line.ToArray();
            }
        }
    }

    /// <summary>The next line that is not a heartbeat, or null at the end.</summary>
    public async Task<byte[]?> ReadAnswerAsync(CancellationToken ct)
    {
        while (await ReadLineAsync(ct).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0) return line;
        }
        return null;
    }
}
