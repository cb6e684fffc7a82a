using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Baton.Acme.Tests.Pebble;

/// <summary>
/// A DNS answerer on 127.0.0.1 for pebble's <c>-dnsserver</c>: every A query is answered with
/// 127.0.0.1 (or the address <see cref="Addresses"/> gives the name), every other query with no
/// record. So pebble validates http-01 for any name against a server on this machine.
/// </summary>
internal sealed class TinyDns : IDisposable
{
    private readonly UdpClient _udp = new(new IPEndPoint(IPAddress.Loopback, 0));
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public TinyDns() => _loop = Task.Run(LoopAsync);

    public IPEndPoint EndPoint => (IPEndPoint)_udp.Client.LocalEndPoint!;

    /// <summary>Names answered with another address than 127.0.0.1 (e.g. one where nothing listens).</summary>
    public Dictionary<string, IPAddress> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            UdpReceiveResult query;
            try
            {
                query = await _udp.ReceiveAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            if (Answer(query.Buffer) is { } answer) await _udp.SendAsync(answer, query.RemoteEndPoint);
        }
    }

    /// <summary>The response to one query (RFC 1035 section 4.1), or null for a packet that is not one.</summary>
    private byte[]? Answer(byte[] query)
    {
        if (query.Length < 12 || BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(4)) != 1) return null;
        // Step 1: the question's name, type and class.
        int at = 12;
        var labels = new List<string>();
        while (at < query.Length && query[at] != 0)
        {
            int length = query[at];
            if (length > 63 || at + 1 + length > query.Length) return null;
            labels.Add(Encoding.ASCII.GetString(query, at + 1, length));
            at += 1 + length;
        }
        if (at + 5 > query.Length) return null;
        at += 1;
        var type = BinaryPrimitives.ReadUInt16BigEndian(query.AsSpan(at));
        at += 4;
        var name = string.Join('.', labels);
        // Step 2: header (same id, a response, recursion available), the question, and an A record for A queries.
        var response = new List<byte>(query[..at]);
        bool answerA = type == 1;
        response[2] = (byte)(0x80 | (query[2] & 0x79)); // QR, the query's opcode and RD
        response[3] = 0x80; // RA, NOERROR
        response[6] = 0;
        response[7] = (byte)(answerA ? 1 : 0);
        response[8] = response[9] = response[10] = response[11] = 0; // no authority, no additional records
        if (answerA)
        {
            var address = Addresses.GetValueOrDefault(name, IPAddress.Loopback).GetAddressBytes();
            response.AddRange([0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4]); // name at offset 12, A, IN, TTL 1 s, 4 bytes
            response.AddRange(address);
        }
        return [.. response];
    }

    public void Dispose()
    {
        _stop.Cancel();
        _udp.Dispose();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}
