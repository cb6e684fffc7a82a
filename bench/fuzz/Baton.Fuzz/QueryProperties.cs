using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Baton.Server;
using FsCheck;
using FsCheck.Fluent;

namespace Baton.Fuzz;

/// <summary>
/// The admin API's query and route values are bound by ASP.NET Core, not parsed by Baton, so a
/// byte fuzzer of Baton's code does not reach them: FsCheck properties send random strings
/// (escaped into the URL) to a real <see cref="BatonServer"/> on 127.0.0.1 instead. Every answer
/// must be 200, or 400/404 with one sentence in <c>{"error"}</c>; never a 500 and never a dead server.
/// </summary>
internal static class QueryProperties
{
    public static async Task<int> RunAsync(TimeSpan duration)
    {
        var data = Directory.CreateTempSubdirectory("baton-fuzz-").FullName;
        await using var server = new BatonServer(new ServerOptions { Listen = "127.0.0.1:0", Admin = "127.0.0.1:0", DataDirectory = data, LogLevel = Microsoft.Extensions.Logging.LogLevel.Critical });
        try
        {
            await server.StartAsync();
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri(server.AdminUrl), Timeout = TimeSpan.FromSeconds(30) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(server.TokenFile).Trim());
            string[] shapes = ["/api/audit?limit={0}&service={1}", "/api/services/{0}/history?limit={1}", "/api/services/{0}", "/api/services/{0}/definition", "/api/services/{0}/releases", "/api/services/{0}/tags"];
            long executions = 0;
            string? failure = null;
            var until = DateTime.UtcNow + duration;
            var strings = ArbMap.Default.ArbFor<string>();
            while (DateTime.UtcNow < until && failure is null)
            {
                var property = Prop.ForAll(strings, strings, (a, b) =>
                {
                    foreach (var shape in shapes)
                    {
                        Interlocked.Increment(ref executions);
                        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, shape, Uri.EscapeDataString(a ?? ""), Uri.EscapeDataString(b ?? ""));
                        if (Check(http, path) is { } wrong)
                        {
                            failure = wrong;
                            return false;
                        }
                    }
                    return true;
                });
                try
                {
                    FsCheck.Check.One(Config.QuickThrowOnFailure.WithMaxTest(100).WithQuietOnSuccess(true), property);
                }
                catch (Exception e) when (failure is not null)
                {
                    Console.WriteLine(e.Message);
                }
            }
            Console.WriteLine($"query: {executions} requests, {(failure is null ? 0 : 1)} failures{(failure is null ? "" : ": " + failure)}");
            return failure is null ? 0 : 1;
        }
        finally
        {
            await server.StopAsync();
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>What is wrong with the answer to GET <paramref name="path"/>, or null.</summary>
    private static string? Check(HttpClient http, string path)
    {
        using var response = http.GetAsync(path).GetAwaiter().GetResult();
        var body = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        var status = (int)response.StatusCode;
        if (status == 200) return null;
        // Kestrel itself refuses a NUL in the path (400, empty body) before any of Baton's code runs.
        if (status == 400 && body.Length == 0 && path.Contains("%00", StringComparison.Ordinal) && path.IndexOf('?') is var q && path.IndexOf("%00", StringComparison.Ordinal) < (q < 0 ? path.Length : q)) return null;
        // Tags and releases need a registry or an engine: 502/503 with a sentence is their answer when there is none.
        if (status is not (400 or 404 or 502 or 503)) return $"GET {path} answered {status}: {body}";
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.TryGetProperty("error", out var e) && e.GetString() is { Length: > 0 } ? null : $"GET {path} answered {status} without an error sentence: {body}";
        }
        catch (JsonException)
        {
            return $"GET {path} answered {status} with a body that is not JSON: {body}";
        }
    }
}
