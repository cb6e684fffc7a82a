using System.Text.Json;
using System.Threading.Channels;
using Baton.Contracts;
using Baton.Server.Audit;
using Microsoft.AspNetCore.Http;

namespace Baton.Server.Api;

/// <summary>
/// Runs a long operation in the background and streams its progress to the caller as
/// server-sent events (<c>event: step|info|done|failed|stopped</c>). The operation goes on to its end
/// even if the caller disconnects.
/// </summary>
internal static class ProgressStream
{
    /// <param name="operation">Reports progress; returns null on success or the failure's reason (sent as the last event when the operation did not already report it).</param>
    public static async Task RunAsync(HttpContext context, TimeProvider time, Func<Action<string, string>, Task<string?>> operation)
    {
        var events = Channel.CreateUnbounded<DeployEvent>();
        // The audit entry is written with the operation's own end, even if the caller leaves first.
        var audit = AuditScope.Defer(context);
        bool ended = false, stopped = false;
        void Report(string kind, string message)
        {
            stopped |= kind == "stopped";
            if (kind is "done" or "failed")
            {
                ended = true;
                audit?.Complete(kind == "done" ? AuditLog.Succeeded : AuditLog.Failed, message);
            }
            events.Writer.TryWrite(new DeployEvent(kind, message, time.GetUtcNow()));
        }
        _ = Task.Run(async () =>
        {
            try
            {
                var failure = await operation(Report);
                if (!ended) Report(failure is null ? "done" : "failed", failure ?? "Done.");
            }
            catch (OperationCanceledException)
            {
                // Baton is stopping: the operation said during which step (a "stopped" event), or this says it plainly.
                if (!ended && !stopped) Report("stopped", "Baton stopped during the operation; it is finished or rolled back when Baton starts again, and `baton history` shows how.");
            }
            catch (Exception e)
            {
                Report("failed", $"Stopped on an internal error: {e.Message}");
            }
            finally
            {
                events.Writer.TryComplete();
            }
        }, CancellationToken.None);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        try
        {
            await foreach (var e in events.Reader.ReadAllAsync(context.RequestAborted))
            {
                await context.Response.WriteAsync($"event: {e.Kind}\ndata: {JsonSerializer.Serialize(e, BatonJson.Default.DeployEvent)}\n\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
            // The caller left; the operation carries on.
        }
    }
}
