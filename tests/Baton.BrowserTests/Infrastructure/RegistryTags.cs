using System.Text.Json;
using Baton.FunctionalTests.Infrastructure;

namespace Baton.BrowserTests.Infrastructure;

/// <summary>
/// The local registry on 127.0.0.1:5000 (started by scripts/lib.sh require_registry) holds the
/// sample image's tags, so the page's tag picker has something to list; pushed once when missing.
/// </summary>
public static class RegistryTags
{
    private static readonly Lazy<Task> Ensured = new(EnsureOnceAsync);

    public static Task EnsureAsync() => Ensured.Value;

    private static async Task EnsureOnceAsync()
    {
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var listed = new List<string>();
        try
        {
            using var response = await http.GetAsync("http://127.0.0.1:5000/v2/baton-sample/tags/list");
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                if (json.RootElement.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Array)
                    listed.AddRange(tags.EnumerateArray().Select(t => t.GetString() ?? ""));
            }
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException($"No registry answers on 127.0.0.1:5000 ({e.Message}); start one with: source scripts/lib.sh; require_registry", e);
        }
        foreach (var tag in SampleImages.Tags.Except(listed))
        {
            var pushed = await SampleImages.RunAsync("docker", ["push", "-q", SampleImages.Image(tag)], TimeSpan.FromMinutes(2));
            if (pushed.ExitCode != 0) throw new InvalidOperationException($"docker push {SampleImages.Image(tag)} failed: {pushed}");
        }
    }
}
