using System.Net;
using System.Net.Http.Json;
using Baton.BrowserTests.Infrastructure;
using Baton.FunctionalTests.Infrastructure;
using Baton.Contracts;

namespace Baton.BrowserTests;

/// <summary>GET /api/services/{name}/traffic against a real server: the router's counts per colour and the markers of a canary deploy.</summary>
[Collection(BrowserCollection.Name)]
public sealed class TrafficApiTests
{
    [Fact]
    public async Task Traffic_CountsRequestsAndErrorsPerColour_MarksCanaryJudgementsAndTheSwitch()
    {
        await using var server = await WebServer.StartAsync();

        // Like its neighbours: a token or a session, and one sentence for a service that does not exist.
        using (var anonymous = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = server.AdminUri })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"api/services/{server.Service}/traffic")).StatusCode);
        var unknown = await server.SendAsync(HttpMethod.Get, "api/services/no-such-service/traffic");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("no-such-service", await unknown.Content.ReadAsStringAsync());
        // Described in the OpenAPI document, for viewers.
        var document = await (await server.SendAsync(HttpMethod.Get, "openapi.json")).Content.ReadAsStringAsync();
        Assert.Contains("\"/api/services/{name}/traffic\"", document);
        Assert.Contains("\"getTraffic\"", document);
        // Applied, never routed: an empty chart.
        var empty = await TrafficAsync(server);
        Assert.Empty(empty.Colours);
        Assert.Empty(empty.Markers);
        Assert.Equal(5, empty.StepSeconds);
        Assert.Equal(900, empty.WindowSeconds);

        await server.DeployAsync("v1");
        // 20 answers, then 10 errors of the app (its fallback answers 500 while failing), through the router.
        for (int i = 0; i < 20; i++) Assert.StartsWith("200", await GetAsync(server, "version"));
        Assert.StartsWith("200", await GetAsync(server, "fail?on=true"));
        for (int i = 0; i < 10; i++) Assert.StartsWith("500", await GetAsync(server, "anything"));
        Assert.StartsWith("200", await GetAsync(server, "fail?on=false"));

        TrafficResponse traffic;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        do
        {
            await Task.Delay(500);
            traffic = await TrafficAsync(server);
        }
        while (Blue(traffic).Sum(p => p.Requests) < 32 && DateTime.UtcNow < deadline);
        var blue = Blue(traffic);
        // The smoke check of v1 went through the router's staging listener to blue as well.
        Assert.InRange(blue.Sum(p => p.Requests), 32, 40);
        Assert.Equal(10, blue.Sum(p => p.Errors));
        Assert.Contains(blue, p => p.ErrorRate > 0 && p.P95Ms > 0 && p.RequestsPerSecond == p.Requests / 5.0);
        Assert.All(blue.Zip(blue.Skip(1)), pair => Assert.Equal(5, (pair.Second.At - pair.First.At).TotalSeconds, 0.1));
        Assert.Single(traffic.Markers, m => m.Kind == "deploy");
        Assert.Single(traffic.Markers, m => m.Kind == "switch");

        // A canary of v2 under load: its step and the watch after the switch are judged.
        await using (var load = new LoadLoop(server, TimeSpan.FromSeconds(40)))
        {
            var before = DateTimeOffset.UtcNow;
            var response = await server.SendAsync(HttpMethod.Post, $"api/services/{server.Service}/deploy", JsonContent.Create(
                new DeployRequest { Image = SampleImages.Image("v2"), Strategy = "canary", Steps = [50, 100], StepTime = "3s" }, BatonJson.Default.DeployRequest));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(body.Contains("event: done", StringComparison.Ordinal), body);
            var after = DateTimeOffset.UtcNow;
            await load.StopAsync();
            Assert.Equal(0, load.Failed);

            traffic = await TrafficAsync(server);
            var markers = traffic.Markers;
            Assert.Equal(2, markers.Count(m => m.Kind == "deploy"));
            var canary = Assert.Single(markers, m => m.Kind == "canary");
            Assert.Equal("ok", canary.Judgement!.Outcome);
            Assert.NotNull(canary.Judgement.Candidate);
            Assert.NotNull(canary.Judgement.Live);
            Assert.Equal(0, canary.Judgement.Candidate.Errors + canary.Judgement.Live.Errors);
            Assert.True(canary.Judgement.Candidate.Requests + canary.Judgement.Live.Requests > 0, "the load reached the two pools during the step");
            Assert.InRange(canary.Judgement.To!.Value - canary.Judgement.From, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(30));
            var watch = Assert.Single(markers, m => m.Kind == "watch");
            Assert.Equal("ok", watch.Judgement!.Outcome);
            Assert.NotNull(watch.Judgement.Candidate);
            Assert.NotNull(watch.Judgement.Live);
            var switched = markers.Where(m => m.Kind == "switch").OrderBy(m => m.At).Last();
            Assert.InRange(switched.At, before, after);
            Assert.InRange(switched.At, canary.Judgement.To.Value, watch.Judgement.From + TimeSpan.FromSeconds(1));
            Assert.Contains("green", switched.Label);
            Assert.Equal(markers.OrderBy(m => m.At).Select(m => m.At), markers.Select(m => m.At));
        }

        // Green took the load after the switch: its line has requests.
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!(traffic.Colours.FirstOrDefault(c => c.Colour == "green")?.Points.Any(p => p.Requests > 0) ?? false) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            traffic = await TrafficAsync(server);
        }
        Assert.Contains(traffic.Colours.Single(c => c.Colour == "green").Points, p => p.Requests > 0 && p.Errors == 0);
    }

    private static List<TrafficPoint> Blue(TrafficResponse traffic) => traffic.Colours.FirstOrDefault(c => c.Colour == "blue")?.Points.ToList() ?? [];

    private static async Task<TrafficResponse> TrafficAsync(WebServer server)
    {
        var response = await server.SendAsync(HttpMethod.Get, $"api/services/{server.Service}/traffic");
        Assert.True(response.IsSuccessStatusCode, $"traffic answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync(BatonJson.Default.TrafficResponse))!;
    }

    private static async Task<string> GetAsync(WebServer server, string path)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(5) };
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.ProxyUri, path));
        request.Headers.Host = server.Host;
        using var response = await client.SendAsync(request);
        return $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
    }
}
