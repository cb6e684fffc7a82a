namespace Baton.BrowserTests.Infrastructure;

/// <summary>
/// A bounded load through the router's public listener: a few clients sending GET requests with the
/// service's host until stopped or until <c>limit</c> has passed, a short pause after each answer.
/// Counts answered and failed requests (a 5xx or no answer).
/// </summary>
public sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly List<Task> _clients;
    private long _answered;
    private long _failed;

    public LoadLoop(WebServer server, TimeSpan limit, string path = "version", int clients = 4)
    {
        _stop = new CancellationTokenSource(limit);
        _clients = Enumerable.Range(0, clients).Select(_ => Task.Run(() => RunAsync(server, path))).ToList();
    }

    public long Answered => Interlocked.Read(ref _answered);
    public long Failed => Interlocked.Read(ref _failed);

    private async Task RunAsync(WebServer server, string path)
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        while (!_stop.IsCancellationRequested)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.ProxyUri, path));
            request.Headers.Host = server.Host;
            try
            {
                using var response = await http.SendAsync(request, _stop.Token);
                if ((int)response.StatusCode >= 500) Interlocked.Increment(ref _failed);
                else Interlocked.Increment(ref _answered);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
            {
                Interlocked.Increment(ref _failed);
            }
            await Task.Delay(5, CancellationToken.None);
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }
}
