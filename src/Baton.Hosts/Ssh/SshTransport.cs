using System.Globalization;
using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Baton.Hosts.Ssh;

/// <summary>
/// An app server's <c>baton host</c> program reached over SSH. One connection is kept and reused
/// (SSH multiplexes channels: each <see cref="OpenAsync"/> is one exec channel on it) and made
/// again when it dropped. The server must present the pinned host key, checked during the key
/// exchange, before Baton authenticates or sends anything; every failure is a
/// <see cref="HostUnreachableException"/> with one sentence naming the server.
/// </summary>
public sealed class SshTransport : IHostTransport, IDisposable
{
    private readonly string _name;
    private readonly SshTarget _target;
    private readonly SshKeyPair _key;
    private readonly SshTransportOptions _options;
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private SshClient? _client;
    private bool _disposed;

    public SshTransport(string name, SshTarget target, SshKeyPair key, HostKeyPin pin, SshTransportOptions? options = null)
    {
        _name = name;
        _target = target;
        _key = key;
        Pin = pin;
        _options = options ?? new SshTransportOptions();
    }

    /// <summary>The host key this transport accepts, and no other.</summary>
    public HostKeyPin Pin { get; }

    public string Description => Describe(_name, _target);

    /// <summary>
    /// First contact with a server whose host key is not pinned yet: records the key it presents
    /// (even when it then refuses Baton's key, so the pin is there once authorized_keys is fixed)
    /// and tries to log in. Never throws for the server's sake; the outcome says how it went.
    /// </summary>
    public static async Task<SshContact> FirstContactAsync(string name, SshTarget target, SshKeyPair key, SshTransportOptions? options, CancellationToken cancellationToken)
    {
        var (client, contact) = await ConnectAsync(name, target, key, pin: null, options ?? new SshTransportOptions(), cancellationToken);
        client?.Dispose();
        return contact;
    }

    /// <summary>Connects (or finds the connection alive) and says how it went; never throws for the server's sake.</summary>
    public async Task<SshContact> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ConnectedAsync(cancellationToken);
            return new SshContact(SshContactOutcome.Connected, Pin, null);
        }
        catch (HostUnreachableException e) when (e.InnerException is ContactFailedException failed)
        {
            return failed.Contact;
        }
    }

    public async Task<IHostChannel> OpenAsync(CancellationToken cancellationToken)
    {
        // A connection that dropped since the last call may still look connected until a write
        // fails, or until a channel open goes unanswered: the first such failure makes a new one, once.
        for (int attempt = 0; ; attempt++)
        {
            var client = await ConnectedAsync(cancellationToken);
            try
            {
                // Opening a channel waits for the server's answer synchronously inside SSH.NET (and, past
                // ConnectionInfo.MaxSessions channels at once, for one of them to close).
                return await Task.Run(() => Start(client), CancellationToken.None);
            }
            catch (Exception e) when (e is SshConnectionException or SocketException or ObjectDisposedException)
            {
                // The connection itself is gone: every channel on it has failed already.
                Drop(client);
                if (attempt > 0) throw new HostUnreachableException($"Lost the connection to {Description} while opening a channel: {Sentence(e.Message)}", e);
            }
            catch (SshOperationTimeoutException e)
            {
                // No answer to a channel open within the connect timeout: the link went dead under a connection that still
                // looks open (a network cut; TCP retransmits with growing pauses long after the link is back). Such a
                // connection is not used again: the next attempt makes a new one.
                Drop(client);
                if (attempt > 0) throw new HostUnreachableException($"{Description} did not open a channel within {Seconds(_options.ConnectTimeout)} on a new connection either: {Sentence(e.Message)}", e);
            }
            catch (SshException e)
            {
                // The server refused this one channel; the connection and the other channels on it stay.
                throw new HostUnreachableException($"{Description} accepted Baton's connection but not a channel for its program: {Sentence(e.Message)}", e);
            }
        }
    }

    private SshChannel Start(SshClient client)
    {
        var command = client.CreateCommand(_options.CommandText);
        try
        {
            var run = command.ExecuteAsync(CancellationToken.None);
            return new SshChannel(command, run, new ChannelInput(command.CreateInputStream()), Description, () => client.IsConnected);
        }
        catch
        {
            command.Dispose();
            throw;
        }
    }

    private async Task<SshClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var current = Volatile.Read(ref _client);
        if (current is { IsConnected: true }) return current;
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_client is { IsConnected: true } alive) return alive;
            _client?.Dispose();
            _client = null;
            var (client, contact) = await ConnectAsync(_name, _target, _key, Pin, _options, cancellationToken);
            if (client is null) throw new HostUnreachableException(contact.Problem!, new ContactFailedException(contact));
            _client = client;
            return client;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private void Drop(SshClient client)
    {
        if (Interlocked.CompareExchange(ref _client, null, client) == client) client.Dispose();
    }

    /// <summary>
    /// Connects and logs in, checking the host key during the key exchange: with a pin only that
    /// key's algorithm is offered and only that key trusted (refused before authentication, so the
    /// server's program never runs); without one, the key presented is recorded.
    /// </summary>
    private static async Task<(SshClient? Client, SshContact Contact)> ConnectAsync(
        string name, SshTarget target, SshKeyPair key, HostKeyPin? pin, SshTransportOptions options, CancellationToken cancellationToken)
    {
        var info = new ConnectionInfo(target.Address, target.Port, target.User, new PrivateKeyAuthenticationMethod(target.User, key.Load()))
        {
            Timeout = options.ConnectTimeout,
        };
        if (pin is not null && info.HostKeyAlgorithms.ContainsKey(pin.Algorithm))
        {
            // The same algorithm every time, whatever a newer SSH.NET would prefer among the server's keys.
            foreach (var other in info.HostKeyAlgorithms.Keys.Where(k => k != pin.Algorithm).ToList()) info.HostKeyAlgorithms.Remove(other);
        }
        var client = new SshClient(info) { KeepAliveInterval = options.KeepAliveInterval };
        HostKeyPin? presented = null;
        client.HostKeyReceived += (_, e) =>
        {
            presented = new HostKeyPin(e.HostKeyName, "SHA256:" + e.FingerPrintSHA256);
            e.CanTrust = pin is null || pin == presented;
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        try
        {
            await client.ConnectAsync(timeout.Token);
            return (client, new SshContact(SshContactOutcome.Connected, presented, null));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            client.Dispose();
            return (null, Failure(name, target, pin, presented, options, e));
        }
    }

    private static SshContact Failure(string name, SshTarget target, HostKeyPin? pin, HostKeyPin? presented, SshTransportOptions options, Exception e)
    {
        var who = Describe(name, target);
        if (pin is not null && presented is not null && presented != pin)
            return new SshContact(SshContactOutcome.HostKeyChanged, presented,
                $"{who} presented the host key {presented}, not the pinned {pin}; Baton sent it nothing. "
                + $"If that server's key was changed on purpose, `baton host repin {name}` pins the new one.");
        if (e is SshAuthenticationException)
            return new SshContact(SshContactOutcome.KeyRefused, presented,
                $"{name} refused Baton's key: add the authorized_keys line `baton host add` printed to ~{target.User}/.ssh/authorized_keys on {target.Address}.");
        if (pin is not null && presented is null && e is SshConnectionException { DisconnectReason: Renci.SshNet.Messages.Transport.DisconnectReason.KeyExchangeFailed or Renci.SshNet.Messages.Transport.DisconnectReason.None } && e.Message.Contains("host key", StringComparison.OrdinalIgnoreCase))
            return new SshContact(SshContactOutcome.HostKeyChanged, null,
                $"{who} no longer offers a host key of the pinned kind {pin.Algorithm} ({pin.Fingerprint}); Baton sent it nothing. "
                + $"If that server's keys were changed on purpose, `baton host repin {name}` pins its new one.");
        var why = e switch
        {
            SocketException s => s.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused",
                SocketError.TimedOut => $"no answer within {Seconds(options.ConnectTimeout)}",
                SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain => $"the name {target.Address} does not resolve",
                SocketError.NetworkUnreachable or SocketError.HostUnreachable => "no route to it",
                SocketError.ConnectionReset => "the connection was reset",
                _ => Sentence(s.Message).TrimEnd('.').ToLowerInvariant(),
            },
            SshOperationTimeoutException or OperationCanceledException => $"no answer within {Seconds(options.ConnectTimeout)}",
            SshConnectionException c => $"the SSH conversation failed ({Sentence(c.Message).TrimEnd('.')})",
            _ => Sentence(e.Message).TrimEnd('.'),
        };
        return new SshContact(SshContactOutcome.Unreachable, presented, $"Cannot reach {who}: {why}.");
    }

    private static string Describe(string name, SshTarget target) => $"{name} ({target})";

    private static string Seconds(TimeSpan t) => $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";

    private static string Sentence(string message)
    {
        var line = message.Split('\n')[0].Trim();
        return line.EndsWith('.') ? line : line + ".";
    }

    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _client, null)?.Dispose();
        _connecting.Dispose();
    }

    /// <summary>Carries a failed contact inside the <see cref="HostUnreachableException"/>, for <see cref="CheckAsync"/>.</summary>
    private sealed class ContactFailedException(SshContact contact) : Exception(contact.Problem)
    {
        public SshContact Contact { get; } = contact;
    }
}
