using System.CommandLine;
using Baton.Contracts;

namespace Baton.Cli.Commands;

/// <summary>
/// <c>baton deploy SERVICE --image REPO:TAG [--hold]</c> deploys an image blue-green;
/// <c>baton deploy SERVICE --target HOST:PORT …</c> deploys endpoints something else started. Both show live progress.
/// </summary>
internal sealed class DeployCommand : Command
{
    private readonly Argument<string> _service = new("service") { Description = "Service name (lower-case letters, digits, dashes)" };
    private readonly Option<string?> _image = new("--image") { Description = "Image REPOSITORY:TAG of an applied service (its baton.yml sets routes, health checks and timeouts)" };
    private readonly Option<bool> _hold = new("--hold") { Description = "--image only, blue-green only: stop before the switch; the new colour waits on its staging route for promote or abort" };
    private readonly Option<string?> _strategy = new("--strategy") { Description = "--image only: blue-green (default), canary (a share of clients in steps, judged, rolled back when worse) or rolling (replicas a batch at a time)" };
    private readonly Option<string?> _steps = new("--steps") { Description = "--image --strategy canary only: shares in percent, rising to 100, e.g. 5,25,50,100 (default: canary.steps in baton.yml)" };
    private readonly Option<string?> _stepTime = new("--step-time") { Description = "--image, canary or rolling only: how long each step or batch is judged, e.g. 60s (default: canary.step_time or rolling.batch_time)" };
    private readonly Option<int?> _maxSurge = new("--max-surge") { Description = "--image --strategy rolling only: new replicas allowed above the count (default: rolling.max_surge, 1)" };
    private readonly Option<int?> _maxUnavailable = new("--max-unavailable") { Description = "--image --strategy rolling only: replicas allowed out of the pool at once (default: rolling.max_unavailable, 0)" };
    private readonly Option<string?> _watch = new("--watch") { Description = "--image only, not with --hold or rolling: how long the new release is watched after the switch with the old one warm, e.g. 30s; 0s turns it off (default: watch in baton.yml, 30s)" };
    private readonly Option<bool> _otherRepository = new("--other-repository") { Description = "--image only: allow an image from another repository than the service's image in baton.yml" };
    private readonly Option<string[]> _targets = new("--target") { Description = "A target HOST:PORT started by something else; repeat for several (instead of --image)", AllowMultipleArgumentsPerToken = false };
    private readonly Option<string[]> _hosts = new("--host") { Description = "--target only (an image deploy uses hosts in baton.yml): host to route (exact or *.example.com); repeat for several. Default: keep, or any host" };
    private readonly Option<string?> _path = new("--path") { Description = "--target only (baton.yml: path): path prefix to route. Default: keep, or /" };
    private readonly Option<string?> _healthPath = new("--health-path") { Description = "--target only (baton.yml: health.path): health check path (default /health)" };
    private readonly Option<string?> _healthInterval = new("--health-interval") { Description = "--target only (baton.yml: health.interval): time between health checks (default 1s)" };
    private readonly Option<int?> _healthPasses = new("--health-passes") { Description = "--target only (baton.yml: health.passes): passing checks needed before traffic (default 2)" };
    private readonly Option<string?> _deployTimeout = new("--deploy-timeout") { Description = "--target only (baton.yml: deploy_timeout): time allowed to become healthy (default 60s)" };
    private readonly Option<string?> _drainTimeout = new("--drain-timeout") { Description = "--target only (baton.yml: drain_timeout): time in-flight requests get to finish on the old targets (default 30s)" };
    private readonly Option<string?> _targetTimeout = new("--target-timeout") { Description = "--target only (baton.yml: target_timeout): time a target may take to start answering before the client gets 504 (default 60s)" };

    public DeployCommand() : base("deploy", "Deploy a release: start it beside the live one, wait until healthy, switch, drain the old one")
    {
        Arguments.Add(_service);
        Options.Add(_image);
        Options.Add(_hold);
        Options.Add(_strategy);
        Options.Add(_steps);
        Options.Add(_stepTime);
        Options.Add(_maxSurge);
        Options.Add(_maxUnavailable);
        Options.Add(_watch);
        Options.Add(_otherRepository);
        Options.Add(_targets);
        Options.Add(_hosts);
        Options.Add(_path);
        Options.Add(_healthPath);
        Options.Add(_healthInterval);
        Options.Add(_healthPasses);
        Options.Add(_deployTimeout);
        Options.Add(_drainTimeout);
        Options.Add(_targetTimeout);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
    {
        using var client = ClientOptions.Connect(parse);
        if (client is null) return ExitCodes.BadInput;
        var service = parse.GetValue(_service)!;
        var image = parse.GetValue(_image);
        var targets = parse.GetValue(_targets) ?? [];
        if ((image is null) == (targets.Length == 0))
            return Output.Fail(ExitCodes.BadInput, "Give either --image REPO:TAG (a Docker release of an applied service) or --target HOST:PORT (endpoints started elsewhere).");
        if (image is not null && parse.GetValue(_targetTimeout) is not null)
            return Output.Fail(ExitCodes.BadInput, "--target-timeout is for --target deploys; a Docker service sets target_timeout in its baton.yml.");
        if (image is not null)
        {
            List<int>? steps = null;
            if (parse.GetValue(_steps) is { } text)
            {
                steps = [];
                foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
                {
                    if (!int.TryParse(part.TrimEnd('%'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var p))
                        return Output.Fail(ExitCodes.BadInput, $"--steps: '{part}' is not a whole percentage; write them like 5,25,50,100.");
                    steps.Add(p);
                }
            }
            var strategy = parse.GetValue(_strategy);
            using var imageRequest = ProgressReader.Post($"api/services/{Uri.EscapeDataString(service)}/deploy",
                new DeployRequest
                {
                    Image = image,
                    Hold = parse.GetValue(_hold),
                    Strategy = strategy,
                    Steps = steps,
                    StepTime = parse.GetValue(_stepTime),
                    MaxSurge = parse.GetValue(_maxSurge),
                    MaxUnavailable = parse.GetValue(_maxUnavailable),
                    Watch = parse.GetValue(_watch),
                    OtherRepository = parse.GetValue(_otherRepository),
                    // Sent so the server refuses them with the baton.yml field to change, rather than ignoring them.
                    Hosts = parse.GetValue(_hosts) is { Length: > 0 } h ? h : null,
                    Path = parse.GetValue(_path),
                    Health = Health(parse),
                    DeployTimeout = parse.GetValue(_deployTimeout),
                    DrainTimeout = parse.GetValue(_drainTimeout),
                }, BatonJson.Default.DeployRequest);
            return await ProgressReader.FollowAsync(client, imageRequest, $"Deploying {image} to {service}{(strategy is null ? "" : $" ({strategy})")}", ct);
        }
        var hosts = parse.GetValue(_hosts);
        var request = new DeployRequest
        {
            Targets = targets,
            Hosts = hosts is { Length: > 0 } ? hosts : null,
            Path = parse.GetValue(_path),
            Health = Health(parse),
            // Sent so the server refuses them (they are for --image deploys) rather than ignoring them.
            Hold = parse.GetValue(_hold),
            Strategy = parse.GetValue(_strategy),
            StepTime = parse.GetValue(_stepTime),
            MaxSurge = parse.GetValue(_maxSurge),
            MaxUnavailable = parse.GetValue(_maxUnavailable),
            Watch = parse.GetValue(_watch),
            OtherRepository = parse.GetValue(_otherRepository),
            Steps = parse.GetValue(_steps) is null ? null : [],
            DeployTimeout = parse.GetValue(_deployTimeout),
            DrainTimeout = parse.GetValue(_drainTimeout),
            TargetTimeout = parse.GetValue(_targetTimeout),
        };

        using var message = ProgressReader.Post($"api/services/{Uri.EscapeDataString(service)}/deploy", request, BatonJson.Default.DeployRequest);
        return await ProgressReader.FollowAsync(client, message, $"Deploying {service} to {string.Join(", ", targets)}", ct);
    }

    private HealthCheckSpec? Health(ParseResult parse) =>
        parse.GetValue(_healthPath) is null && parse.GetValue(_healthInterval) is null && parse.GetValue(_healthPasses) is null
            ? null
            : new HealthCheckSpec { Path = parse.GetValue(_healthPath), Interval = parse.GetValue(_healthInterval), Passes = parse.GetValue(_healthPasses) };
}
