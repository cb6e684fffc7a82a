using System.Text.Json;
using Baton.Contracts;

namespace Baton.Cli;

/// <summary>Follows a server-sent progress stream and prints it; the exit code says how it ended.</summary>
internal static class ProgressReader
{
    public static async Task<int> FollowAsync(BatonClient client, HttpRequestMessage request, string? heading, CancellationToken ct)
    {
        var opened = await client.OpenStreamAsync(request, ct);
        if (!opened.Ok) return Output.Fail(opened.ExitCode, opened.Error!);
        if (heading is not null) Output.Line(heading);
        using var response = opened.Value!;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        string? outcome = null;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            var e = JsonSerializer.Deserialize(line.AsSpan(6), BatonJson.Default.DeployEvent);
            if (e is null) continue;
            switch (e.Kind)
            {
                case "done":
                    Output.Line($"  ✓ {e.Message}");
                    outcome = "done";
                    break;
                case "failed":
                    Console.Error.WriteLine($"  ✗ {e.Message}");
                    outcome = "failed";
                    break;
                case "info":
                    Output.Line($"    {e.Message}");
                    break;
                default:
                    Output.Line($"  → {e.Message}");
                    break;
            }
        }
        return outcome switch
        {
            "done" => ExitCodes.Success,
            "failed" => ExitCodes.Failed,
            _ => Output.Fail(ExitCodes.Failed, "The server closed the progress stream before the operation ended; `baton status` and `baton history` show where it stands."),
        };
    }

    public static HttpRequestMessage Post<T>(string path, T? body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        new(HttpMethod.Post, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body, type) };
}
