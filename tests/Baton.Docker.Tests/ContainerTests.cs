using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Baton.Docker.Tests;

[Collection("docker")]
public sealed class ContainerTests(DockerFixture docker)
{
    private Containers Containers => docker.Engine.Containers;

    [Fact]
    public void Connect_checks_the_api_version()
    {
        Assert.True(docker.Engine.ApiVersion >= DockerEngine.MinimumApiVersion);
        Assert.NotEmpty(docker.Engine.EngineVersion);
    }

    [Fact]
    public async Task A_container_runs_on_the_host_network_and_is_found_inspected_stopped_and_removed()
    {
        var port = DockerFixture.FreePort();
        var spec = docker.Spec("web", "httpd", "-f", "-h", "/www", "-p", $"127.0.0.1:{port}") with
        {
            Labels = new Dictionary<string, string> { [docker.RunLabel.Key] = docker.RunLabel.Value, ["baton.service"] = $"web-{docker.RunId}" },
            Env = new Dictionary<string, string> { ["GREETING"] = "hello" },
            StopTimeout = TimeSpan.FromSeconds(5),
        };
        var id = await docker.RunAsync(spec);

        // The app binds the host's loopback directly: any HTTP answer proves it is up on the host network.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var answered = false;
        for (var i = 0; i < 50 && !answered; i++)
        {
            try
            {
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/");
                answered = true;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
        Assert.True(answered, "busybox httpd in the container never answered on the host's loopback");

        var listed = (await Containers.ListAsync($"baton.service=web-{docker.RunId}")).Value;
        var summary = Assert.Single(listed);
        Assert.Equal(id, summary.Id);
        Assert.Equal(spec.Name, summary.Name);
        Assert.Equal("running", summary.State);

        var info = (await Containers.InspectAsync(spec.Name!)).Value;
        Assert.Equal(id, info.Id);
        Assert.Equal(spec.Name, info.Name);
        Assert.Equal(docker.Image, info.Image);
        Assert.StartsWith("sha256:", info.ImageId);
        Assert.True(info.Running);
        Assert.Equal("running", info.Status);
        Assert.Equal("host", info.NetworkMode);
        Assert.Equal($"web-{docker.RunId}", info.Labels["baton.service"]);
        Assert.NotNull(info.StartedAt);
        Assert.Null(info.FinishedAt);

        var watch = Stopwatch.StartNew();
        (await Containers.StopAsync(id, TimeSpan.FromSeconds(10))).ThrowIfFailed();
        // With init, SIGTERM reaches httpd at once; without it PID 1 would ignore SIGTERM and wait out the 10 s.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"stop took {watch.Elapsed}");
        var stopped = (await Containers.InspectAsync(id)).Value;
        Assert.False(stopped.Running);
        Assert.Equal("exited", stopped.Status);
        Assert.NotNull(stopped.FinishedAt);

        Assert.True((await Containers.StopAsync(id)).IsSuccess, "stopping a stopped container is a success");
        (await Containers.RemoveAsync(id)).ThrowIfFailed();
        var gone = await Containers.InspectAsync(id);
        Assert.Equal(DockerErrorKind.ContainerNotFound, gone.Error?.Kind);
        Assert.Empty((await Containers.ListAsync($"baton.service=web-{docker.RunId}")).Value);
    }

    [Fact]
    public async Task List_by_label_returns_only_containers_with_that_value()
    {
        ContainerSpec Labelled(string service) => docker.Spec($"list-{service}", "true") with
        {
            Labels = new Dictionary<string, string> { [docker.RunLabel.Key] = docker.RunLabel.Value, ["baton.service"] = $"{service}-{docker.RunId}" },
        };
        var web = (await Containers.CreateAsync(Labelled("web"))).Value;
        var api = (await Containers.CreateAsync(Labelled("api"))).Value;

        var listed = (await Containers.ListAsync($"baton.service=api-{docker.RunId}")).Value;
        Assert.Equal(api, Assert.Single(listed).Id);
        Assert.Equal("created", listed[0].State);
        var both = (await Containers.ListAsync([$"{docker.RunLabel.Key}={docker.RunId}", "baton.service"])).Value;
        Assert.Equal(new[] { api, web }.Order(), both.Select(c => c.Id).Where(i => i == web || i == api).Order());

        (await Containers.RemoveAsync(web)).ThrowIfFailed();
        (await Containers.RemoveAsync(api)).ThrowIfFailed();
    }

    [Fact]
    public async Task Logs_are_demultiplexed_and_tailed()
    {
        var id = await docker.RunAsync(docker.Spec("logs", "sh", "-c", "echo to-stderr >&2; sleep 0.2; for i in $(seq 1 10); do echo line$i; done"));
        Assert.Equal(0, (await Containers.WaitAsync(id, TimeSpan.FromSeconds(30))).Value);

        Assert.Equal("line8\nline9\nline10\n", (await Containers.LogsAsync(id, lines: 3)).Value);
        var all = (await Containers.LogsAsync(id, lines: 100)).Value;
        Assert.Equal("to-stderr\n" + string.Concat(Enumerable.Range(1, 10).Select(i => $"line{i}\n")), all);

        (await Containers.RemoveAsync(id)).ThrowIfFailed();
    }

    [Fact]
    public async Task Wait_returns_the_exit_code()
    {
        var id = await docker.RunAsync(docker.Spec("exit3", "sh", "-c", "exit 3"));
        Assert.Equal(3, (await Containers.WaitAsync(id, TimeSpan.FromSeconds(30))).Value);
        Assert.Equal(3, (await Containers.InspectAsync(id)).Value.ExitCode);
        (await Containers.RemoveAsync(id)).ThrowIfFailed();
    }

    [Fact]
    public async Task Kill_ends_a_container_and_killing_it_again_is_a_conflict()
    {
        var id = await docker.RunAsync(docker.Spec("kill", "sleep", "300"));
        (await Containers.KillAsync(id)).ThrowIfFailed();
        Assert.Equal(137, (await Containers.WaitAsync(id, TimeSpan.FromSeconds(30))).Value);

        var again = await Containers.KillAsync(id);
        Assert.Equal(DockerErrorKind.Conflict, again.Error?.Kind);
        Assert.Contains("not running", again.Error!.Message, StringComparison.Ordinal);
        (await Containers.RemoveAsync(id)).ThrowIfFailed();
    }

    [Fact]
    public async Task Removing_a_running_container_needs_force()
    {
        var id = await docker.RunAsync(docker.Spec("force", "sleep", "300"));
        Assert.Equal(DockerErrorKind.Conflict, (await Containers.RemoveAsync(id)).Error?.Kind);
        (await Containers.RemoveAsync(id, force: true)).ThrowIfFailed();
        Assert.Equal(DockerErrorKind.ContainerNotFound, (await Containers.RemoveAsync(id)).Error?.Kind);
    }

    [Fact]
    public async Task A_name_in_use_is_an_error_value()
    {
        var spec = docker.Spec("dup", "true");
        var first = (await Containers.CreateAsync(spec)).Value;

        var second = await Containers.CreateAsync(spec);
        Assert.False(second.IsSuccess);
        Assert.Equal(DockerErrorKind.NameInUse, second.Error.Kind);
        Assert.Contains(spec.Name!, second.Error.Message, StringComparison.Ordinal);
        (await Containers.RemoveAsync(first)).ThrowIfFailed();
    }

    [Fact]
    public async Task A_missing_image_is_an_error_value()
    {
        var created = await Containers.CreateAsync(docker.Spec("noimage") with { Image = $"baton-test/missing:{docker.RunId}" });
        Assert.Equal(DockerErrorKind.ImageNotFound, created.Error?.Kind);
        Assert.Contains($"baton-test/missing:{docker.RunId}", created.Error!.Message, StringComparison.Ordinal);

        var inspected = await docker.Engine.Images.InspectAsync($"baton-test/missing:{docker.RunId}");
        Assert.Equal(DockerErrorKind.ImageNotFound, inspected.Error?.Kind);
    }

    [Fact]
    public async Task A_published_port_in_use_is_an_error_value()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        // Published ports need the default bridge network: the engine's proxy then binds the host port and fails.
        var spec = docker.Spec("port", "sleep", "300") with { Network = null, Ports = [new PortBinding(80, port)] };
        var id = (await Containers.CreateAsync(spec)).Value;

        var started = await Containers.StartAsync(id);
        Assert.Equal(DockerErrorKind.PortInUse, started.Error?.Kind);
        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), started.Error!.Message, StringComparison.Ordinal);
        (await Containers.RemoveAsync(id, force: true)).ThrowIfFailed();
    }

    [Fact]
    public async Task A_missing_container_is_an_error_value()
    {
        var name = docker.ContainerName("nobody");
        Assert.Equal(DockerErrorKind.ContainerNotFound, (await Containers.InspectAsync(name)).Error?.Kind);
        Assert.Equal(DockerErrorKind.ContainerNotFound, (await Containers.StartAsync(name)).Error?.Kind);
        Assert.Equal(DockerErrorKind.ContainerNotFound, (await Containers.LogsAsync(name)).Error?.Kind);
        Assert.Equal(DockerErrorKind.ContainerNotFound, (await Containers.WaitAsync(name)).Error?.Kind);
    }

    [Fact]
    public async Task The_event_stream_sees_a_labelled_container_start()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var events = (await docker.Engine.Events.SubscribeAsync(
            [$"{docker.RunLabel.Key}={docker.RunId}", "baton.service"], cancellationToken: timeout.Token)).Value;
        var spec = docker.Spec("events", "sleep", "300") with
        {
            Labels = new Dictionary<string, string> { [docker.RunLabel.Key] = docker.RunLabel.Value, ["baton.service"] = $"events-{docker.RunId}" },
        };
        var id = await docker.RunAsync(spec);

        var seen = new List<DockerEvent>();
        await foreach (var e in events.WithCancellation(timeout.Token))
        {
            seen.Add(e);
            if (e.Action == "start" && e.ActorId == id) break;
        }
        var start = Assert.Single(seen, e => e.Action == "start");
        Assert.Equal("container", start.Type);
        Assert.Equal(spec.Name, start.Name);
        Assert.Equal($"events-{docker.RunId}", start.Attributes["baton.service"]);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - start.Time).TotalMinutes) < 5, $"event time {start.Time}");
        Assert.Contains(seen, e => e.Action == "create");
        (await Containers.RemoveAsync(id, force: true)).ThrowIfFailed();
    }
}
