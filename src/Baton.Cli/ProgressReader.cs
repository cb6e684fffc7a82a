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
        while (await ReadAsync(reader, ct) is { } line)
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
                case "stopped":
                    Console.Error.WriteLine($"  ✗ {e.Message}");
                    outcome = "stopped";
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
            "stopped" => ExitCodes.Unreachable,
            _ => Output.Fail(ExitCodes.Unreachable, "The Baton server went away before the operation ended (it stopped, or the connection broke); once it is back, `baton status` and `baton history` show how it ended."),
        };
    }

    /// <summary>The next line, or null at the end of the stream or when the connection broke (the caller tells which by the outcome it saw).</summary>
    private static async Task<string?> ReadAsync(StreamReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadLineAsync(ct);
        }
        catch (Exception e) when (e is IOException or HttpRequestException && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    public static HttpRequestMessage Post<T>(string path, T? body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        new(HttpMethod.Post, path) { Content = body is null ? null : System.Net.Http.Json.JsonContent.Create(body, type) };
}
