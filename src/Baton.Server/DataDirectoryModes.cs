using Baton.Deploy.Store;
using Microsoft.Extensions.Logging;

namespace Baton.Server;

/// <summary>
/// At start, every file in the data directory that its group or others may read (left by an
/// older Baton, a restore or a hand) is set to owner-only, with a warning naming it.
/// </summary>
internal static partial class DataDirectoryModes
{
    public static void Check(string dataDirectory, ILogger logger)
    {
        foreach (var (file, was) in PrivateFiles.Tighten(dataDirectory))
            Tightened(logger, file, Convert.ToString((int)was, 8));
    }

    [LoggerMessage(EventId = LogEvents.FileModeTightened, Level = LogLevel.Warning,
        Message = "{File} could be read by others (mode {Was}); Baton made it owner-only, as every file it writes")]
    private static partial void Tightened(ILogger logger, string file, string was);
}
