using System.CommandLine;
using Baton.Cli.Commands;

namespace Baton.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Baton: deploy new releases of web apps without a single failed request.");
        ClientOptions.AddTo(root);
        BuildInfo.Use(root);
        root.Subcommands.Add(new ServerCommand());
        root.Subcommands.Add(new ApplyCommand());
        root.Subcommands.Add(new DeployCommand());
        root.Subcommands.Add(new PromoteCommand());
        root.Subcommands.Add(new AbortCommand());
        root.Subcommands.Add(new RollbackCommand());
        root.Subcommands.Add(new HistoryCommand());
        root.Subcommands.Add(new ReleasesCommand());
        root.Subcommands.Add(new LogsCommand());
        root.Subcommands.Add(new StatusCommand());
        root.Subcommands.Add(new PauseCommand());
        root.Subcommands.Add(new ResumeCommand());
        root.Subcommands.Add(new MaintenanceCommand());
        root.Subcommands.Add(new CanaryCommand());
        root.Subcommands.Add(new RemoveCommand());
        root.Subcommands.Add(new AuditCommand());
        root.Subcommands.Add(new UserCommand());
        root.Subcommands.Add(new TokenCommand());
        root.Subcommands.Add(new TagsCommand());
        root.Subcommands.Add(new RegistryCommand());
        root.Subcommands.Add(new RouterCommand());
        root.Subcommands.Add(new HostCommand());
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) Console.Error.WriteLine($"error: {e.Message}");
            Console.Error.WriteLine("Run `baton --help` (or `baton COMMAND --help`) for usage.");
            return ExitCodes.BadInput;
        }
        return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = true, ProcessTerminationTimeout = null });
    }
}
