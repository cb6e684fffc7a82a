using System.Collections.Frozen;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Baton.Acme.Issuance;
using Baton.Acme.Protocol;
using Baton.Acme.Storage;
using Microsoft.Extensions.Logging;

namespace Baton.Acme.Renewal;

/// <summary>
/// Keeps a certificate for every wanted host name: loads what the store holds, issues what is
/// missing, renews what is due (<see cref="CertificateOptions.RenewBefore"/>) and retries a failure
/// with a doubling pause. The certificates served are an immutable map replaced by one reference
/// swap, so a handshake reads it once, and a certificate being renewed is served until its
/// successor is stored and swapped in.
/// </summary>
public sealed partial class CertificateManager : IDisposable
{
    private readonly CertificateOptions _options;
    private readonly CertificateStore _store;
    private readonly AcmeIssuer _issuer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private readonly Lock _serving = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, Failure> _failures = new(StringComparer.OrdinalIgnoreCase);
    private volatile FrozenDictionary<string, Served> _served = FrozenDictionary<string, Served>.Empty;
    private volatile IReadOnlyList<string> _wanted = [];
    private Task? _loop;

    public CertificateManager(CertificateOptions options, CertificateStore store, AcmeIssuer issuer, TimeProvider time, ILogger logger)
    {
        _options = options;
        _store = store;
        _issuer = issuer;
        _time = time;
        _logger = logger;
    }

    /// <summary>The host names a certificate is kept for.</summary>
    public IReadOnlyList<string> Wanted => _wanted;

    /// <summary>
    /// Sets the host names to keep certificates for (exact names; wildcards need dns-01 and are not
    /// taken). A change wakes the renewal loop. Certificates of names no longer wanted stay on disk
    /// but are no longer served.
    /// </summary>
    public void Want(IEnumerable<string> hosts)
    {
        var next = hosts.Select(h => h.ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (next.SequenceEqual(_wanted)) return;
        // A stored certificate is served from the first handshake on: a new router process (a restart, an upgrade) reads
        // it here, before its listeners take connections, not later in the background loop.
        foreach (var host in next) if (!_served.ContainsKey(host)) LoadStored(host);
        _wanted = next;
        _wake.Release();
    }

    /// <summary>The certificate to present for an SNI name, or null when there is none (yet).</summary>
    public SslStreamCertificateContext? Select(string? host) =>
        host is not null && _served.TryGetValue(host, out var served) ? served.Context : null;

    /// <summary>The leaf being served for <paramref name="host"/>, or null.</summary>
    public X509Certificate2? Current(string host) => _served.GetValueOrDefault(host)?.Leaf;

    /// <summary>The last failure's sentence for <paramref name="host"/> while it is being retried, else null.</summary>
    public string? LastError(string host)
    {
        lock (_failures) return _failures.GetValueOrDefault(host)?.Message;
    }

    /// <summary>Starts the loop that renews in the background until disposed.</summary>
    public void Start() => _loop ??= Task.Run(() => LoopAsync(_stopping.Token));

    /// <summary>
    /// One pass over the wanted names: each one's stored certificate is loaded if not served yet;
    /// one missing or due whose retry time has come is issued, stored, then served.
    /// </summary>
    /// <returns>When the next pass is needed.</returns>
    public async Task<DateTimeOffset> RenewDueAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var now = _time.GetUtcNow();
            var next = now + _options.CheckInterval;
            foreach (var host in _wanted)
            {
                if (!_served.ContainsKey(host)) LoadStored(host);
                var served = _served.GetValueOrDefault(host);
                var due = served is null ? now : served.NotAfter - _options.RenewBefore;
                Failure? failure;
                lock (_failures) failure = _failures.GetValueOrDefault(host);
                if (failure is not null && failure.RetryAt > due) due = failure.RetryAt;
                if (due > now)
                {
                    if (due < next) next = due;
                    continue;
                }
                var retry = await IssueAsync(host, served is not null, cancellationToken);
                if (retry is { } at && at < next) next = at;
            }
            return next;
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    private void LoadStored(string host)
    {
        try
        {
            if (_store.Load(host) is { } stored)
            {
                Serve(host, stored);
                LogLoaded(_logger, host, _served[host].NotAfter);
            }
        }
        catch (Exception e) when (e is CryptographicException or IOException)
        {
            LogUnreadable(_logger, host, _store.PathOf(host), e.Message);
        }
    }

    /// <returns>Null when issued; else when to try again.</returns>
    private async Task<DateTimeOffset?> IssueAsync(string host, bool renewal, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        try
        {
            var issued = await _issuer.IssueAsync([host], cancellationToken);
            // Stored before it is served: what is served is always what a restart would load.
            _store.Save(host, issued);
            Serve(host, issued);
            lock (_failures) _failures.Remove(host);
            LogIssued(_logger, renewal ? "Renewed" : "Issued", host, _served[host].NotAfter, _time.GetElapsedTime(started).TotalSeconds);
            return null;
        }
        catch (Exception e) when (e is AcmeException or CryptographicException or IOException or UnauthorizedAccessException)
        {
            Failure failure;
            lock (_failures)
            {
                var count = (_failures.GetValueOrDefault(host)?.Count ?? 0) + 1;
                var pause = TimeSpan.FromTicks(Math.Min(_options.MaxRetry.Ticks, _options.FirstRetry.Ticks * (1L << Math.Min(count - 1, 20))));
                failure = new Failure(count, _time.GetUtcNow() + pause, e.Message);
                _failures[host] = failure;
            }
            LogFailed(_logger, host, e.Message, failure.RetryAt - _time.GetUtcNow(), _served.ContainsKey(host));
            return failure.RetryAt;
        }
    }

    private void Serve(string host, IssuedCertificate issued)
    {
        var leaf = issued.ToCertificate();
        var context = SslStreamCertificateContext.Create(leaf, issued.Intermediates(), offline: true);
        var served = new Served(leaf, context, new DateTimeOffset(leaf.NotAfter.ToUniversalTime()));
        // One writer at a time (the loop, or Want loading a stored one); readers see the old map or the new one.
        lock (_serving)
        {
            var next = new Dictionary<string, Served>(_served, StringComparer.OrdinalIgnoreCase) { [host] = served };
            _served = next.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            DateTimeOffset next;
            try
            {
                next = await RenewDueAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            var wait = next - _time.GetUtcNow();
            if (wait < TimeSpan.FromSeconds(1)) wait = TimeSpan.FromSeconds(1);
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(wait);
                await _wake.WaitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stopping.Dispose();
    }

    private sealed record Served(X509Certificate2 Leaf, SslStreamCertificateContext Context, DateTimeOffset NotAfter);

    private sealed record Failure(int Count, DateTimeOffset RetryAt, string Message);

    [LoggerMessage(EventId = LogEvents.CertificateIssued, Level = LogLevel.Information, Message = "{What} the certificate of {Host}, valid until {NotAfter:u} ({Seconds:0.0} s)")]
    private static partial void LogIssued(ILogger logger, string what, string host, DateTimeOffset notAfter, double seconds);

    [LoggerMessage(EventId = LogEvents.CertificateFailed, Level = LogLevel.Warning, Message = "No certificate for {Host} this time: {Reason} Next try in {RetryIn}; the current certificate is still served: {StillServed}")]
    private static partial void LogFailed(ILogger logger, string host, string reason, TimeSpan retryIn, bool stillServed);

    [LoggerMessage(EventId = LogEvents.CertificateLoaded, Level = LogLevel.Information, Message = "Serving the stored certificate of {Host}, valid until {NotAfter:u}")]
    private static partial void LogLoaded(ILogger logger, string host, DateTimeOffset notAfter);

    [LoggerMessage(EventId = LogEvents.CertificateUnreadable, Level = LogLevel.Warning, Message = "The stored certificate of {Host} ({Path}) cannot be read, so a new one is ordered: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string host, string path, string reason);
}
