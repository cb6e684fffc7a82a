using System.Text;
using Baton.Docker;

namespace Baton.Hosts.Tests.Agent;

/// <summary>
/// What a stolen key could send: exact bytes on the agent's stdin, through the real <c>baton host</c> process and
/// the real engine. Each is refused with one sentence, the exit code is 0 (a refusal is an answer), and the engine
/// shows that nothing changed.
/// </summary>
[Collection("agent")]
public sealed class HostileRequestTests(AgentFixture fixture)
{
    private string Create(string name, string specFields, string? service = null) =>
        $$$"""{"op":"container.create","spec":{"image":"{{{fixture.Image}}}","name":"{{{fixture.ContainerName(name)}}}","labels":{"baton.test":"{{{fixture.RunId}}}","baton.service":"{{{service ?? fixture.Web}}}"}{{{specFields}}}}}""" + "\n";

    private async Task<string> RefusedAsync(string request)
    {
        var (exit, stdout, stderr) = await fixture.RunAgentAsync(request);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        Assert.Contains("\"ok\":false", stdout, StringComparison.Ordinal);
        Assert.Contains("\"refused\":true", stdout, StringComparison.Ordinal);
        Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        return System.Text.Json.JsonDocument.Parse(stdout).RootElement.GetProperty("message").GetString()!;
    }

    private async Task AssertNoContainerAsync(string name)
    {
        var inspected = await fixture.Engine.Containers.InspectAsync(fixture.ContainerName(name));
        Assert.Equal(DockerErrorKind.ContainerNotFound, inspected.Error?.Kind);
    }

    [Theory]
    [InlineData("root", "/:/host")]
    [InlineData("sock", "/var/run/docker.sock:/var/run/docker.sock")]
    [InlineData("etc", "/etc:/host-etc:ro")]
    public async Task Create_HostBindOutsideTheAllowedFolders_RefusedAndNothingCreated(string name, string bind)
    {
        var message = await RefusedAsync(Create(name, $$""","settings":{"volumes":["{{bind}}"]}"""));

        Assert.Contains("does not let containers mount the host path", message, StringComparison.Ordinal);
        Assert.Contains(fixture.HostName, message, StringComparison.Ordinal);
        await AssertNoContainerAsync(name);
    }

    [Fact]
    public async Task Create_BindThroughASymlinkInsideTheAllowedFolder_Refused()
    {
        var link = Path.Combine(fixture.AllowedFolder, $"escape-{Guid.NewGuid():N}");
        File.CreateSymbolicLink(link, "/");

        var message = await RefusedAsync(Create("symlink", $$""","settings":{"volumes":["{{link}}/etc:/x"]}"""));

        Assert.Contains("symbolic link", message, StringComparison.Ordinal);
        await AssertNoContainerAsync("symlink");
    }

    [Fact]
    public async Task Create_BindWithMountPropagation_Refused()
    {
        var message = await RefusedAsync(Create("rshared", $$""","settings":{"volumes":["{{fixture.AllowedFolder}}:/x:rshared"]}"""));

        Assert.Contains("only ro and rw", message, StringComparison.Ordinal);
        await AssertNoContainerAsync("rshared");
    }

    [Theory]
    [InlineData("top", ""","Privileged":true""", "Privileged")]
    [InlineData("settings", ""","settings":{"Privileged":true}""", "Privileged")]
    [InlineData("hostconfig", ""","HostConfig":{"Binds":["/:/host"]}""", "HostConfig")]
    [InlineData("capadd", ""","settings":{"capAdd":["SYS_ADMIN"]}""", "capAdd")]
    [InlineData("casing", ""","Network":"host" """, "Network")]
    public async Task Create_UnknownFieldSmuggledIn_RefusedNamingItAndNothingCreated(string name, string fields, string field)
    {
        var message = await RefusedAsync(Create(name, fields));

        Assert.Contains($"'{field}'", message, StringComparison.Ordinal);
        Assert.Contains("refused, not ignored", message, StringComparison.Ordinal);
        await AssertNoContainerAsync(name);
    }

    [Fact]
    public async Task Create_FieldGivenTwice_Refused()
    {
        var request = "{\"op\":\"container.create\",\"spec\":{\"image\":\"" + fixture.Image + "\",\"image\":\"elsewhere.example.com/x:1\",\"name\":\"" + fixture.ContainerName("twice") + "\",\"labels\":{\"baton.service\":\"" + fixture.Web + "\"}}}";

        var message = await RefusedAsync(request);

        Assert.Contains("twice", message, StringComparison.Ordinal);
        await AssertNoContainerAsync("twice");
    }

    [Fact]
    public async Task Create_ServiceTheHostDoesNotRun_RefusedNamingHostAndAllowedServices()
    {
        var message = await RefusedAsync(Create("billing", "", fixture.Billing));

        Assert.Equal($"This host ({fixture.HostName}) does not run service '{fixture.Billing}'; its config allows: {fixture.Web}, {fixture.Api}.", message);
        await AssertNoContainerAsync("billing");
    }

    [Fact]
    public async Task Create_WithoutServiceLabel_Refused()
    {
        var request = "{\"op\":\"container.create\",\"spec\":{\"image\":\"" + fixture.Image + "\",\"name\":\"" + fixture.ContainerName("nolabel") + "\",\"labels\":{\"baton.test\":\"" + fixture.RunId + "\"}}}";

        var message = await RefusedAsync(request);

        Assert.Contains("no baton.service label", message, StringComparison.Ordinal);
        await AssertNoContainerAsync("nolabel");
    }

    [Fact]
    public async Task Create_ImageOutsideTheAllowedRepositories_Refused()
    {
        var request = Create("outside", "").Replace(fixture.Image, fixture.OutsideImage, StringComparison.Ordinal);

        var message = await RefusedAsync(request);

        Assert.Equal($"This host ({fixture.HostName}) does not run image '{fixture.OutsideImage}'; its config allows: baton-test/.", message);
        await AssertNoContainerAsync("outside");
    }

    [Fact]
    public async Task Create_ImageIdOfAnImageOutsideTheAllowedRepositories_Refused()
    {
        var id = (await fixture.Engine.Images.InspectAsync(fixture.OutsideImage)).Value.Id;

        var message = await RefusedAsync(Create("outside-id", "").Replace(fixture.Image, id, StringComparison.Ordinal));

        Assert.Contains($"known here as {fixture.OutsideImage}", message, StringComparison.Ordinal);
        await AssertNoContainerAsync("outside-id");
    }

    [Theory]
    [InlineData("anyip", "0.0.0.0", 18080)]
    [InlineData("otherip", "127.0.0.9", 18081)]
    [InlineData("lowport", "127.0.0.1", 22)]
    public async Task Create_PortOnAnotherAddressOrBelow1024_Refused(string name, string hostIp, int hostPort)
    {
        var message = await RefusedAsync(Create(name, $$""","ports":[{"containerPort":80,"hostPort":{{hostPort}},"hostIp":"{{hostIp}}"}]"""));

        Assert.Contains(hostPort < 1024 ? "below 1024" : $"only on this host's address {fixture.Address}", message, StringComparison.Ordinal);
        await AssertNoContainerAsync(name);
    }

    [Theory]
    [InlineData("hostnet", "host", "does not let containers share its network")]
    [InlineData("joinnet", "container:abc", "does not allow network")]
    public async Task Create_NetworkTheConfigDoesNotAllow_Refused(string name, string network, string expected)
    {
        var message = await RefusedAsync(Create(name, $$""","network":"{{network}}" """));

        Assert.Contains(expected, message, StringComparison.Ordinal);
        await AssertNoContainerAsync(name);
    }

    [Theory]
    [InlineData("""{"op":"container.stop","container":"NAME"}""")]
    [InlineData("""{"op":"container.kill","container":"NAME"}""")]
    [InlineData("""{"op":"container.remove","container":"NAME","force":true}""")]
    [InlineData("""{"op":"container.logs","container":"NAME"}""")]
    [InlineData("""{"op":"container.inspect","container":"NAME"}""")]
    public async Task ActOnContainer_NotBatonsOrOfAnotherService_RefusedAndItStillRuns(string template)
    {
        // Made straight with the engine, as another tenant of the host would: no service label, or another service's.
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var unlabelled = await RunDirectAsync($"other-{suffix}", null);
        var billing = await RunDirectAsync($"billing-{suffix}", fixture.Billing);

        foreach (var (name, expected) in new[] { (unlabelled, "has no baton.service label"), (billing, $"belongs to service '{fixture.Billing}'") })
        {
            var message = await RefusedAsync(template.Replace("NAME", name, StringComparison.Ordinal) + "\n");
            Assert.Contains(expected, message, StringComparison.Ordinal);
            var still = (await fixture.Engine.Containers.InspectAsync(name)).Value;
            Assert.True(still.Running, $"{name} was stopped");
        }
    }

    [Fact]
    public async Task AnyRequest_LargerThan1MiB_RefusedUnread()
    {
        var request = Encoding.UTF8.GetBytes("{\"op\":\"ping\",\"x\":\"" + new string('a', 2 * 1024 * 1024) + "\"}\n");

        var (exit, stdout, _) = await fixture.RunAgentAsync(request);

        Assert.Equal(0, exit);
        Assert.Contains("larger than 1 MiB", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all\n", "not valid JSON")]
    [InlineData("{\"op\":\"container.create\",\"spec\":{\"image\":\n", "not valid JSON")]
    [InlineData("{\"spec\":{}}\n", "lacks the required field")]
    [InlineData("{\"op\":\"exec\",\"container\":\"x\"}\n", "'exec' is not an operation of baton host")]
    [InlineData("{\"op\":\"container.stop\",\"container\":\"x\",\"spec\":{\"image\":\"a\"}}\n", "does not take 'spec'")]
    [InlineData("{\"op\":\"container.stop\",\"container\":\"../../x\"}\n", "is not a container name")]
    [InlineData("{\"op\":\"image.pull\",\"image\":\"elsewhere.example.com/evil:1\"}\n", "does not run image")]
    [InlineData("{\"op\":\"network.exists\",\"network\":\"secret_net\"}\n", "does not allow network 'secret_net'")]
    public async Task Request_MalformedOrOutsideTheProtocol_RefusedWithOneSentence(string request, string expected)
    {
        var message = await RefusedAsync(request);

        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.EndsWith(".", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stdin_Empty_ExitsNonZeroWithASentence()
    {
        var (exit, stdout, stderr) = await fixture.RunAgentAsync([]);

        Assert.Equal(2, exit);
        Assert.Empty(stdout);
        Assert.Contains("no request arrived on standard input", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_RecordsRefusalsAndNeverCredentials()
    {
        var request = """{"op":"image.pull","image":"elsewhere.example.com/evil:1","credentials":{"username":"deploy","password":"hunter2-secret","serverAddress":"elsewhere.example.com"}}""" + "\n";

        await RefusedAsync(request);

        var log = await File.ReadAllTextAsync(fixture.LogPath);
        Assert.Contains("op=image.pull", log, StringComparison.Ordinal);
        Assert.Contains("outcome=refused: This host", log, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", log, StringComparison.Ordinal);
    }

    private async Task<string> RunDirectAsync(string name, string? service)
    {
        var labels = new Dictionary<string, string> { ["baton.test"] = fixture.RunId };
        if (service is not null) labels["baton.service"] = service;
        var spec = new ContainerSpec { Image = fixture.Image, Name = fixture.ContainerName(name), Labels = labels, Cmd = ["sleep", "120"], Init = true };
        var id = (await fixture.Engine.Containers.CreateAsync(spec)).Value;
        (await fixture.Engine.Containers.StartAsync(id)).ThrowIfFailed();
        return spec.Name!;
    }
}
