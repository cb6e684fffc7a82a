using System.Text;
using System.Text.Json;
using Baton.Contracts;
using Baton.Deploy.Rollouts;
using Baton.Deploy.ServiceFile;
using Baton.Registry;
using Baton.Router.Rollout;
using Baton.Router.Routing;

namespace Baton.Fuzz;

/// <summary>
/// What strangers can send, each as a function of raw bytes that must return normally: bad input
/// is a value (an error sentence, a false, a JsonException the API maps to 400), never any other
/// exception. Shared by the fuzzer (bench/fuzz.sh) and the regression tests that replay every
/// input it kept (tests/Baton.Server.Tests/Fuzz).
/// </summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["service-file"] = ServiceFile,
        ["api-json"] = ApiJson,
        ["image-reference"] = ImageReference,
        ["host-pattern"] = Host,
        ["duration"] = Duration,
    };

    private static string Text(byte[] data) => Encoding.UTF8.GetString(data);

    /// <summary>A baton.yml as <c>baton apply</c> sends it: bounded, then parsed; a definition or errors.</summary>
    public static void ServiceFile(byte[] data)
    {
        var result = ServiceFileParser.Parse(Text(data));
        if (result.Ok == result.Errors.Count > 0) throw new InvalidOperationException("a parse result must have a definition or errors, not both or neither");
    }

    /// <summary>
    /// The JSON body of an admin call: the first byte picks the call, the rest is the body. It is
    /// deserialized as the API does, then checked as the endpoint checks it.
    /// </summary>
    public static void ApiJson(byte[] data)
    {
        if (data.Length == 0) return;
        var body = data.AsSpan(1);
        try
        {
            switch (data[0] % 11)
            {
                case 0:
                    if (JsonSerializer.Deserialize(body, BatonJson.Default.DeployRequest) is { } deploy)
                    {
                        DeployOptions.TryCreate(deploy, out _);
                        DeployPlan.TryCreate("web", deploy, RouteTable.Empty, out _);
                    }
                    break;
                case 1:
                    if (JsonSerializer.Deserialize(body, BatonJson.Default.ApplyRequest) is { Yaml: { } yaml }) ServiceFileParser.Parse(yaml);
                    break;
                case 2:
                    Durations.Parse(JsonSerializer.Deserialize(body, BatonJson.Default.PauseRequest)?.Max, "Pause maximum", TimeSpan.FromSeconds(30), out _);
                    break;
                case 3: JsonSerializer.Deserialize(body, BatonJson.Default.MaintenanceRequest); break;
                case 4: JsonSerializer.Deserialize(body, BatonJson.Default.CanaryRequest); break;
                case 5: JsonSerializer.Deserialize(body, BatonJson.Default.RollbackRequest); break;
                case 6: JsonSerializer.Deserialize(body, BatonJson.Default.RegistryLoginRequest); break;
                case 7: JsonSerializer.Deserialize(body, BatonJson.Default.SessionRequest); break;
                case 8:
                    Durations.Parse(JsonSerializer.Deserialize(body, BatonJson.Default.TokenRequest)?.Expires, "Expiry", TimeSpan.Zero, out _);
                    break;
                case 9: JsonSerializer.Deserialize(body, BatonJson.Default.UserRequest); break;
                default: JsonSerializer.Deserialize(body, BatonJson.Default.UserUpdate); break;
            }
        }
        catch (JsonException)
        {
            // The API answers this with 400 and the reader's sentence.
        }
    }

    /// <summary>An image reference or registry host, as in a service file or <c>baton registry login HOST</c>.</summary>
    public static void ImageReference(byte[] data)
    {
        var text = Text(data);
        if (ImageName.TryParse(text, out var name, out _) && !ImageName.TryParse($"{name.Host}/{name.Repository}", out _, out _))
            throw new InvalidOperationException($"'{text}' parsed as {name.Host}/{name.Repository}, which does not parse again");
        ImageName.TryParseHost(text, out _, out _, out _);
    }

    /// <summary>A host pattern of a service (<c>hosts:</c>, <c>--host</c>): parsed, and its written form parses to the same.</summary>
    public static void Host(byte[] data)
    {
        var text = Text(data);
        if (HostPattern.TryParse(text, out var pattern, out _) && (!HostPattern.TryParse(pattern.ToString(), out var again, out _) || again.ToString() != pattern.ToString()))
            throw new InvalidOperationException($"'{text}' parsed as '{pattern}', which does not parse back to itself");
        HostPattern.Normalize(text);
    }

    /// <summary>A duration (<c>30s</c>, <c>2m</c>, <c>500ms</c>): parsed, and its written form (rounded for people) parses again.</summary>
    public static void Duration(byte[] data)
    {
        var text = Text(data);
        if (Durations.TryParse(text, out var value) && !Durations.TryParse(Durations.Format(value), out _))
            throw new InvalidOperationException($"'{text}' parsed as {value}, written {Durations.Format(value)}, which does not parse again");
    }
}
