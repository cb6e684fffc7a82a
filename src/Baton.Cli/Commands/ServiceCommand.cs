using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary>A command about one service: it takes the SERVICE argument and connects to the server first.</summary>
internal abstract class ServiceCommand : Command
{
    private readonly Argument<string> _service;

    protected ServiceCommand(string name, string description, string serviceDescription = "Service") : base(name, description)
    {
        _service = new Argument<string>("service") { Description = serviceDescription };
        Arguments.Add(_service);
        SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            return await RunAsync(client, parse, parse.GetValue(_service)!, ct);
        });
    }

    protected abstract Task<int> RunAsync(BatonClient client, ParseResult parse, string service, CancellationToken ct);

    /// <summary>
    /// GETs a resource of the service and shows it: indented JSON with <c>--json</c>, else as
    /// <paramref name="print"/> lays it out. An API error is one sentence and its exit code.
    /// </summary>
    protected static async Task<int> ShowAsync<T>(BatonClient client, ParseResult parse, string path, JsonTypeInfo<T> type, JsonTypeInfo<T> indented, Action<T> print, CancellationToken ct)
    {
        var result = await client.GetAsync(path, type, ct);
        if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
        if (parse.GetValue(ClientOptions.Json)) Output.Line(JsonSerializer.Serialize(result.Value!, indented));
        else print(result.Value!);
        return ExitCodes.Success;
    }

    /// <summary>The API path of the service, escaped.</summary>
    protected static string PathOf(string service, string suffix = "") => $"api/services/{Uri.EscapeDataString(service)}{suffix}";
}
