using System.CommandLine;

namespace Baton.Cli.Commands;

/// <summary>How every client command finds the server: flags, then environment, then the local data directory.</summary>
internal static class ClientOptions
{
    public static readonly Option<string?> Server = new("--server") { Description = "Admin API URL (else BATON_URL, else http://127.0.0.1:9000)", Recursive = true };
    public static readonly Option<string?> Token = new("--token") { Description = "Admin token (else BATON_TOKEN, else <data>/admin-token)", Recursive = true };
    public static readonly Option<string?> CaCert = new("--cacert") { Description = "PEM certificate (or CA) to trust for an https admin URL (else BATON_CACERT, else the system store)", Recursive = true };
    public static readonly Option<string?> Data = new("--data") { Description = "Data directory holding admin-token (else BATON_DATA, else ./.baton)", Recursive = true };

    public static readonly Option<bool> Json = new("--json") { Description = "Print machine-readable JSON" };

    public static void AddTo(RootCommand root)
    {
        root.Options.Add(Server);
        root.Options.Add(Token);
        root.Options.Add(CaCert);
        root.Options.Add(Data);
    }

    /// <summary>Makes the API client, or prints why not and returns null.</summary>
    public static BatonClient? Connect(ParseResult parse)
    {
        var client = BatonClient.Create(parse.GetValue(Server), parse.GetValue(Token), parse.GetValue(Data), parse.GetValue(CaCert), out var error);
        if (client is null) Output.Fail(ExitCodes.BadInput, error);
        return client;
    }
}
