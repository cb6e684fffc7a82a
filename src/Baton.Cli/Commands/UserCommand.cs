using System.CommandLine;
using System.Security.Cryptography;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton user add|list|set|remove</c>: the people who may sign in, and their roles (admins
/// only). A password is read from stdin only, so it never shows in a process list or a shell
/// history; without <c>--password-stdin</c>, <c>add</c> makes one and prints it once.
/// </summary>
internal sealed class UserCommand : Command
{
    public UserCommand() : base("user", "Manage users and their roles (viewer, deployer, admin)")
    {
        Subcommands.Add(Add());
        Subcommands.Add(List());
        Subcommands.Add(Set());
        Subcommands.Add(Remove());
    }

    private static Option<string> RoleOption(bool required)
    {
        var role = new Option<string>("--role") { Description = "viewer (reads), deployer (also deploys), admin (also manages users)", Required = required };
        role.AcceptOnlyFromAmong("viewer", "deployer", "admin");
        return role;
    }

    private static Option<bool> PasswordStdin() => new("--password-stdin") { Description = "Read the password from stdin" };

    private static Command Add()
    {
        var name = new Argument<string>("name") { Description = "User name" };
        var role = RoleOption(required: true);
        var stdin = PasswordStdin();
        var command = new Command("add", "Add a user; prints a generated password once unless --password-stdin gives one") { name, role, stdin };
        command.SetAction(async (parse, ct) =>
        {
            bool generated = !parse.GetValue(stdin);
            var password = generated ? Generate() : await ReadPasswordAsync(ct);
            if (password is null) return Output.Fail(ExitCodes.BadInput, "No password came on stdin.");
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var user = parse.GetValue(name)!;
            var result = await client.PostAsync("api/users", new UserRequest(user, parse.GetValue(role), password), BatonJson.Default.UserRequest, BatonJson.Default.UserView, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Added {result.Value!.Name} ({result.Value.Role}).");
            if (generated)
            {
                Output.Line("Password (shown once; give it to them, they sign in at the admin address):");
                Output.Line($"  {password}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List users and their roles") { ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.GetAsync("api/users", BatonJson.Default.UsersResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(System.Text.Json.JsonSerializer.Serialize(result.Value!, BatonJson.Indented.UsersResponse));
                return ExitCodes.Success;
            }
            var users = result.Value!.Users;
            int width = Math.Max(4, users.Max(u => u.Name.Length));
            Output.Line($"{"NAME".PadRight(width)}  ROLE      CREATED");
            foreach (var u in users)
                Output.Line($"{u.Name.PadRight(width)}  {u.Role,-8}  {u.Created.ToLocalTime():yyyy-MM-dd HH:mm}{(u.Disabled ? "  (disabled)" : "")}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Set()
    {
        var name = new Argument<string>("name") { Description = "User name" };
        var role = RoleOption(required: false);
        var stdin = PasswordStdin();
        var command = new Command("set", "Change a user's role and/or password (a new password ends their sessions)") { name, role, stdin };
        command.SetAction(async (parse, ct) =>
        {
            var newRole = parse.GetValue(role);
            string? password = null;
            if (parse.GetValue(stdin))
            {
                password = await ReadPasswordAsync(ct);
                if (password is null) return Output.Fail(ExitCodes.BadInput, "No password came on stdin.");
            }
            if (newRole is null && password is null) return Output.Fail(ExitCodes.BadInput, "Give --role ROLE and/or --password-stdin.");
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var user = parse.GetValue(name)!;
            var result = await client.PutAsync($"api/users/{Uri.EscapeDataString(user)}", new UserUpdate(newRole, password), BatonJson.Default.UserUpdate, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Changed {user}{(newRole is null ? "" : $": role {newRole}")}{(password is null ? "" : newRole is null ? ": new password" : ", new password")}.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove()
    {
        var name = new Argument<string>("name") { Description = "User name" };
        var command = new Command("remove", "Remove a user: their sessions end and their tokens are revoked") { name };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var user = parse.GetValue(name)!;
            var result = await client.SendAsync<object>(HttpMethod.Delete, $"api/users/{Uri.EscapeDataString(user)}", null, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Removed {user}; their sessions ended and their tokens were revoked.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<string?> ReadPasswordAsync(CancellationToken ct)
    {
        var password = (await Console.In.ReadToEndAsync(ct)).TrimEnd('\r', '\n');
        return password.Length == 0 ? null : password;
    }

    /// <summary>24 URL-safe random characters (144 bits).</summary>
    private static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', '-').Replace('/', '_');
}
