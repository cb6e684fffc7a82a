using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Baton.Router.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Baton.Router.Logging;

/// <summary>
/// The router's request log. The request path only fills a <see cref="RequestRecord"/> and offers
/// it to a bounded queue; one writer formats and writes the lines in batches, off the request path.
/// A full queue drops the line and counts it (<c>baton_request_log_dropped_total</c>): a slow disk
/// never slows a request.
/// </summary>
public sealed partial class RequestLog : IAsyncDisposable
{
    /// <summary>A batch is written once it holds this much, or when the queue is empty.</summary>
    private const int BatchBytes = 64 * 1024;

    private readonly RequestLogOptions _options;
    private readonly RouterCounters _counters;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<RequestRecord> _queue;
    private readonly Func<ReadOnlyMemory<byte>, bool> _write;
    private readonly IDisposable? _sink;
    private readonly Task _writer;

    /// <summary>Opens the destination at once, so a path that cannot be written is refused at start.</summary>
    /// <exception cref="IOException">The log file cannot be opened.</exception>
    /// <exception cref="UnauthorizedAccessException">The log file cannot be opened.</exception>
    public RequestLog(RequestLogOptions options, RouterCounters counters, TimeProvider time, ILogger<RequestLog> logger)
        : this(options, counters, time, logger, sink: null)
    {
    }

    /// <param name="sink">Receives each batch of whole lines instead of the destination (tests); returns false when the batch was lost.</param>
    internal RequestLog(RequestLogOptions options, RouterCounters counters, TimeProvider time, ILogger logger, Func<ReadOnlyMemory<byte>, bool>? sink)
    {
        _options = options;
        _counters = counters;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<RequestRecord>(new BoundedChannelOptions(options.QueueCapacity)
        {
            // TryWrite never waits: with Wait it says false when the queue is full (DropWrite would say true and drop silently).
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
            SingleWriter = false,
        });
        if (sink is not null) _write = sink;
        else if (options.ToStandardOutput)
        {
            var stdout = Console.OpenStandardOutput();
            _sink = stdout;
            _write = batch => Guarded(() => { stdout.Write(batch.Span); stdout.Flush(); });
        }
        else
        {
            var file = new RotatingFile(options.Destination, options.MaxFileBytes, options.KeepFiles);
            _sink = file;
            _write = batch => Guarded(() => file.Write(batch.Span));
        }
        _writer = Task.Run(WriteLoopAsync);
    }

    public RequestLogOptions Options => _options;

    /// <summary>Opens and closes the file as the log will (creating it), so a path that cannot be written is refused before anything starts.</summary>
    public static void CheckWritable(string path) => RotatingFile.Open(Path.GetFullPath(path)).Dispose();

    /// <summary>
    /// Called at the start of a request: null when this request is not sampled; else its record,
    /// with its bodies wrapped to count their bytes.
    /// </summary>
    internal RequestRecord? Begin(HttpContext context, string requestId, string host, string path)
    {
        if (_options.SampleRate < 1 && Random.Shared.NextDouble() >= _options.SampleRate) return null;
        var request = context.Request;
        var record = new RequestRecord
        {
            Time = _time.GetUtcNow(),
            RequestId = requestId,
            Method = request.Method,
            Host = host,
            Path = path,
            Client = context.Connection.RemoteIpAddress,
            UserAgent = request.Headers.UserAgent.Count == 0 ? null : request.Headers.UserAgent.ToString(),
        };
        request.Body = record.RequestBody = new CountingStream(request.Body);
        context.Response.Body = record.ResponseBody = new CountingStream(context.Response.Body);
        return record;
    }

    /// <summary>Called once at the end of a sampled request: the line is queued, or dropped and counted when the queue is full.</summary>
    internal void End(RequestRecord record, int status, long started)
    {
        record.Status = status;
        record.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        record.BytesIn = record.RequestBody?.Count ?? 0;
        record.BytesOut = record.ResponseBody?.Count ?? 0;
        if (!_queue.Writer.TryWrite(record)) _counters.RecordRequestLogDropped();
    }

    private async Task WriteLoopAsync()
    {
        var buffer = new ArrayBufferWriter<byte>(BatchBytes * 2);
        await using var json = new Utf8JsonWriter(buffer, RequestLogFormat.WriterOptions);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            int lines = 0;
            while (buffer.WrittenCount < BatchBytes && reader.TryRead(out var record))
            {
                RequestLogFormat.Write(json, record);
                json.Flush();
                json.Reset();
                buffer.Write("\n"u8);
                lines++;
            }
            if (!_write(buffer.WrittenMemory)) _counters.RecordRequestLogDropped(lines);
            buffer.ResetWrittenCount();
        }
    }

    private bool _failing;

    /// <summary>A write that fails (disk full, file removed with its folder) loses its batch, counted as dropped, and is said once until writes work again.</summary>
    private bool Guarded(Action write)
    {
        try
        {
            write();
            _failing = false;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (!_failing) LogWriteFailed(_logger, _options.Destination, e.Message);
            _failing = true;
            return false;
        }
    }

    /// <summary>Writes what is queued, then closes the destination. Call after the listeners stopped.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete()) return; // disposed already

        await _writer.ConfigureAwait(false);
        _sink?.Dispose();
    }

    [LoggerMessage(EventId = LogEvents.RequestLogWriteFailed, Level = LogLevel.Warning, Message = "The request log could not be written to {Destination}: {Reason}; lines are dropped (and counted) until it can")]
    private static partial void LogWriteFailed(ILogger logger, string destination, string reason);
}
