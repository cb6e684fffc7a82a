using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary><c>baton apply -f baton.yml</c>: registers or updates a service from its file.</summary>
internal sealed class ApplyCommand : Command
{
    private readonly Option<string> _file = new("--file", "-f") { Description = "The service file", DefaultValueFactory = _ => "baton.yml" };

    public ApplyCommand() : base("apply", "Register or update a service from its baton.yml")
    {
        Options.Add(_file);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        var file = parse.GetValue(_file)!;
        string yaml;
        try
        {
            yaml = await File.ReadAllTextAsync(file, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Output.Fail(ExitCodes.BadInput, $"Cannot read {file}: {e.Message}");
        }
        // from_env, from_file and env_file are this machine's: they become secrets before the file leaves it.
        var (resolved, unreadable) = Baton.Deploy.ServiceFile.ServiceFileSecrets.Resolve(yaml, Path.GetFileName(file), Path.GetDirectoryName(Path.GetFullPath(file))!, Environment.GetEnvironmentVariable);
        if (unreadable is not null) return Output.Fail(ExitCodes.BadInput, unreadable);
        yaml = resolved!;
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var result = await client.PostAsync("api/services", new ApplyRequest(yaml, Path.GetFileName(file)), BatonJson.Default.ApplyRequest, BatonJson.Default.ApplyResponse, ct);
        if (!result.Ok)
        {
            Output.Fail(result.ExitCode, result.Error!);
            foreach (var detail in result.Details ?? []) Console.Error.WriteLine($"  {detail}");
            return result.ExitCode;
        }
        Output.Line(result.Value!.Message);
        return ExitCodes.Success;
    }
}
