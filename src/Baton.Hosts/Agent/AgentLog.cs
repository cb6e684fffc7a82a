using System.Globalization;
using System.Text;

namespace Baton.Hosts.Agent;

/// <summary>
/// The host's own record of what Baton did there: one line per operation (time, op, service, container, outcome)
/// appended to the config's <c>log</c> file. Never credentials: the request's are not passed in. A log that cannot
/// be written costs a warning on standard error, never the answer.
/// </summary>
internal sealed class AgentLog(string? path, TimeProvider time, TextWriter warnings)
{
    public void Write(string op, string? service, string? container, string outcome)
    {
        if (path is null) return;
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{time.GetUtcNow():yyyy-MM-ddTHH:mm:ss.fffZ} op={Clean(op)} service={Clean(service ?? "-")} container={Clean(container ?? "-")} outcome={Clean(outcome)}\n");
        try
        {
            // One write per line on a file opened for append: lines of agents running at once do not interleave.
            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            file.Write(Encoding.UTF8.GetBytes(line));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.WriteLine($"warning: could not write the host log {path}: {e.Message.TrimEnd('.')}.");
        }
    }

    /// <summary>Values come from the request: one line each, so no one can forge a line of the log.</summary>
    private static string Clean(string value)
    {
        var text = new string([.. value.Select(c => char.IsControl(c) ? ' ' : c)]);
        return text.Length <= 300 ? text : text[..300] + "…";
    }
}
