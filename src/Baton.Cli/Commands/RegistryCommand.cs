using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton registry login HOST --username U --password-stdin</c>, <c>baton registry logout HOST</c>,
/// <c>baton registry list</c>: the registry logins the server uses to list tags and to pull.
/// The password is read from stdin only, so it never shows in a process list or a shell history.
/// </summary>
internal sealed class RegistryCommand : Command
{
    public RegistryCommand() : base("registry", "Manage the registry logins Baton uses to list tags and pull images")
    {
        Subcommands.Add(Login());
        Subcommands.Add(Logout());
        Subcommands.Add(List());
    }

    private static Command Login()
    {
        var host = new Argument<string>("host") { Description = "Registry host, e.g. registry.example.com or 127.0.0.1:5000" };
        var username = new Option<string>("--username", "-u") { Description = "User name at the registry", Required = true };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from stdin (the only way to give it)" };
        var command = new Command("login", "Check a login against the registry and store it on the server") { host, username, passwordStdin };
        command.SetAction(async (parse, ct) =>
        {
            if (!parse.GetValue(passwordStdin))
                return Output.Fail(ExitCodes.BadInput, "Give the password on stdin with --password-stdin, for example: printf '%s' \"$PASSWORD\" | baton registry login HOST --username USER --password-stdin.");
            var password = (await Console.In.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
            if (password.Length == 0) return Output.Fail(ExitCodes.BadInput, "No password came on stdin.");
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var registry = parse.GetValue(host)!;
            var result = await client.PutAsync($"api/registries/{Uri.EscapeDataString(registry)}", new RegistryLoginRequest(parse.GetValue(username), password), BatonJson.Default.RegistryLoginRequest, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Logged in to {registry} as {parse.GetValue(username)}; tag listings and pulls from it use this login.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Logout()
    {
        var host = new Argument<string>("host") { Description = "Registry host" };
        var command = new Command("logout", "Forget the stored login of a registry") { host };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var registry = parse.GetValue(host)!;
            var result = await client.SendAsync<object>(HttpMethod.Delete, $"api/registries/{Uri.EscapeDataString(registry)}", null, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Forgot the login of {registry}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List the registries with a stored login (never the passwords)") { ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.GetAsync("api/registries", BatonJson.Default.IReadOnlyListRegistryView, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            var rows = result.Value!;
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(System.Text.Json.JsonSerializer.Serialize(rows, BatonJson.Indented.IReadOnlyListRegistryView));
                return ExitCodes.Success;
            }
            if (rows.Count == 0)
            {
                Output.Line("No registry logins are stored; anonymous pulls and listings only.");
                return ExitCodes.Success;
            }
            int width = Math.Max(4, rows.Max(r => r.Host.Length));
            Output.Line($"{"HOST".PadRight(width)}  USERNAME");
            foreach (var r in rows) Output.Line($"{r.Host.PadRight(width)}  {r.Username}");
            return ExitCodes.Success;
        });
        return command;
    }
}
