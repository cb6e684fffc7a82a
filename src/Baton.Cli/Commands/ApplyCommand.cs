using System.CommandLine;
using Baton.Contracts;
using Baton.Deploy.Compose;
using Baton.Deploy.ServiceFile;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton apply -f baton.yml</c>: registers or updates a service from its file; <c>baton apply -f
/// docker-compose.yml [--service web …]</c>: each compose service with an <c>x-baton:</c> block (or
/// each one named), converted on this machine (its variables and <c>.env</c>).
/// </summary>
internal sealed class ApplyCommand : Command
{
    private readonly Option<string> _file = new("--file", "-f") { Description = "The service file: a baton.yml, or a docker-compose.yml", DefaultValueFactory = _ => "baton.yml" };
    private readonly Option<string[]> _services = new("--service") { Description = "With a compose file: the services to apply (default: those with an x-baton: block)", AllowMultipleArgumentsPerToken = true };

    public ApplyCommand() : base("apply", "Register or update a service from its baton.yml, or services from a docker-compose.yml")
    {
        Options.Add(_file);
        Options.Add(_services);
        SetAction(RunAsync);
    }

    /// <summary>A compose file by its name (compose.yaml, docker-compose.yml, docker-compose.prod.yml …) or by a services: mapping without service:.</summary>
    private static bool IsCompose(string file, string text)
    {
        var name = Path.GetFileName(file).ToLowerInvariant();
        if (name.StartsWith("compose", StringComparison.Ordinal) || name.StartsWith("docker-compose", StringComparison.Ordinal)) return true;
        bool services = text.StartsWith("services:", StringComparison.Ordinal) || text.Contains("\nservices:", StringComparison.Ordinal);
        bool service = text.StartsWith("service:", StringComparison.Ordinal) || text.Contains("\nservice:", StringComparison.Ordinal);
        return services && !service;
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
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        var only = parse.GetValue(_services) ?? [];
        List<(string Name, string Yaml, string Image)> files;
        if (IsCompose(file, yaml))
        {
            var converted = ComposeConverter.Convert(yaml, Path.GetFileName(file), directory, Environment.GetEnvironmentVariable, only);
            foreach (var warning in converted.Warnings) Output.Warn(warning);
            if (!converted.Ok)
            {
                Output.Fail(ExitCodes.BadInput, $"{Path.GetFileName(file)} cannot be applied; nothing was applied.");
                foreach (var e in converted.Errors) Console.Error.WriteLine($"  {e}");
                return ExitCodes.BadInput;
            }
            // Errors the server finds (in x-baton's settings) name the service and the compose file.
            files = converted.Services.Select(c => (c.Name, c.BatonYaml, c.Image)).ToList();
        }
        else if (only.Length > 0) return Output.Fail(ExitCodes.BadInput, $"--service is for a docker-compose file; {Path.GetFileName(file)} is a baton.yml (its service is named inside it).");
        else files = [("", yaml, "")];

        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        foreach (var (name, text, image) in files)
        {
            // from_env, from_file and env_file are this machine's: they become secrets before the file leaves it.
            var (resolved, unreadable) = ServiceFileSecrets.Resolve(text, Path.GetFileName(file), directory, Environment.GetEnvironmentVariable);
            if (unreadable is not null) return Output.Fail(ExitCodes.BadInput, unreadable);
            var label = name.Length == 0 ? Path.GetFileName(file) : $"{name}.baton.yml from {Path.GetFileName(file)}";
            var code = await ApplyOneAsync(client, resolved!, label, ct);
            if (code != ExitCodes.Success) return code;
            if (image.Contains(':', StringComparison.Ordinal) && image.LastIndexOf(':') > image.LastIndexOf('/'))
                Output.Line($"  deploy it with: baton deploy {name} --image {image}");
        }
        return ExitCodes.Success;
    }

    private static async Task<int> ApplyOneAsync(BatonClient client, string yaml, string file, CancellationToken ct)
    {
        var result = await client.PostAsync("api/services", new ApplyRequest(yaml, file), BatonJson.Default.ApplyRequest, BatonJson.Default.ApplyResponse, ct);
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
