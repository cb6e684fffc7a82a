using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton token create|list|revoke</c>: API tokens for scripts and CI. A token belongs to the
/// caller, has at most the caller's role, is shown once at creation, and can be revoked.
/// </summary>
internal sealed class TokenCommand : Command
{
    public TokenCommand() : base("token", "Manage API tokens (shown once, stored hashed, revocable)")
    {
        Subcommands.Add(Create());
        Subcommands.Add(List());
        Subcommands.Add(Revoke());
    }

    private static Command Create()
    {
        var name = new Option<string>("--name") { Description = "What the token is for, e.g. ci", Required = true };
        var role = new Option<string?>("--role") { Description = "viewer, deployer or admin; at most your own (default: your role)" };
        role.AcceptOnlyFromAmong("viewer", "deployer", "admin");
        var expires = new Option<string?>("--expires") { Description = "Lifetime such as 30d or 12h (default: never)" };
        var command = new Command("create", "Create a token for yourself; its value is printed once") { name, role, expires, ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.PostAsync("api/tokens", new TokenRequest(parse.GetValue(name), parse.GetValue(role), parse.GetValue(expires)),
                BatonJson.Default.TokenRequest, BatonJson.Default.TokenCreated, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            var t = result.Value!;
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(System.Text.Json.JsonSerializer.Serialize(t, BatonJson.Indented.TokenCreated));
                return ExitCodes.Success;
            }
            Output.Line($"Token {t.Id} ({t.Name}, {t.Role}, {(t.Expires is { } e ? $"expires {e.ToLocalTime():yyyy-MM-dd HH:mm}" : "never expires")}) for {t.Owner}.");
            Output.Line("Value (shown once; use it as BATON_TOKEN or --token):");
            Output.Line($"  {t.Token}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "List your tokens (admins: everyone's), never their values") { ClientOptions.Json };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var result = await client.GetAsync("api/tokens", BatonJson.Default.TokensResponse, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            if (parse.GetValue(ClientOptions.Json))
            {
                Output.Line(System.Text.Json.JsonSerializer.Serialize(result.Value!, BatonJson.Indented.TokensResponse));
                return ExitCodes.Success;
            }
            var tokens = result.Value!.Tokens;
            if (tokens.Count == 0)
            {
                Output.Line("No tokens; make one with: baton token create --name NAME");
                return ExitCodes.Success;
            }
            Output.Line("ID     NAME                 OWNER        ROLE      CREATED           LAST USED         STATE");
            foreach (var t in tokens)
            {
                var state = t.Revoked ? "revoked" : t.Expires is { } e ? (e <= DateTimeOffset.UtcNow ? "expired" : $"expires {e.ToLocalTime():yyyy-MM-dd}") : "active";
                Output.Line($"{t.Id,-6} {t.Name,-20} {t.Owner,-12} {t.Role,-9} {t.Created.ToLocalTime():yyyy-MM-dd HH:mm}  {(t.LastUsed is { } u ? u.ToLocalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) : "never"),-16}  {state}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Revoke()
    {
        var id = new Argument<string>("id") { Description = "Token id, from baton token list" };
        var command = new Command("revoke", "Revoke a token: it stops working at once") { id };
        command.SetAction(async (parse, ct) =>
        {
            using var client = ClientOptions.Connect(parse);
            if (client is null) return ExitCodes.BadInput;
            var value = parse.GetValue(id)!;
            var result = await client.SendAsync<object>(HttpMethod.Delete, $"api/tokens/{Uri.EscapeDataString(value)}", null, ct);
            if (!result.Ok) return Output.Fail(result.ExitCode, result.Error!);
            Output.Line($"Revoked token {value}.");
            return ExitCodes.Success;
        });
        return command;
    }
}
