using Baton.Deploy.Runs;
using Baton.Deploy.ServiceFile;
using Baton.Router.Routing;

namespace Baton.Deploy.Tests.ServiceFile;

/// <summary><c>tls</c>, <c>https_redirect</c> and <c>hsts</c> in baton.yml: read, passed to the router, or refused with one sentence.</summary>
public sealed class TlsFieldsTests
{
    private static ServiceFileResult Parse(string extra, string hosts = "[app.example.com, www.example.com]") =>
        ServiceFileParser.Parse($"service: web\nimage: 127.0.0.1:5000/shop\nhosts: {hosts}\n{extra}\n");

    [Fact]
    public void Parse_NoTlsFields_Off()
    {
        var result = Parse("");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(ServiceTls.Off, result.Definition!.Tls);
    }

    [Fact]
    public void Parse_AutoWithRedirectAndHsts_ReadAndPassedToTheRouterWithTheTargetTimeout()
    {
        var result = Parse("tls: auto\nhttps_redirect: true\nhsts: true\ntarget_timeout: 7s");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(new ServiceTls(Auto: true, RedirectHttps: true, Hsts: true), result.Definition!.Tls);
        var routes = StepRunner.Routes(result.Definition);
        Assert.Equal(new ServiceTls(true, true, true), routes.Tls);
        // target_timeout reached the router's route spec too (it was left out before).
        Assert.Equal(TimeSpan.FromSeconds(7), routes.TargetTimeout);
    }

    [Theory]
    [InlineData("tls: on", "baton.yml line 4: tls: 'on' is not a TLS mode: use auto (certificates from the server's ACME directory) or off.")]
    [InlineData("https_redirect: true", "baton.yml line 4: https_redirect: the service has no HTTPS to redirect to; add tls: auto.")]
    [InlineData("tls: off\nhsts: true", "baton.yml line 5: hsts: HSTS is sent on HTTPS answers and the service has none; add tls: auto.")]
    [InlineData("tls: auto\nhsts: yes", "baton.yml line 5: hsts: 'yes' must be true or false.")]
    public void Parse_CannotBeHonoured_OneSentenceNothingApplied(string extra, string error)
    {
        var result = Parse(extra);
        Assert.False(result.Ok);
        Assert.Equal(error, Assert.Single(result.Errors));
    }

    [Fact]
    public void Parse_AutoWithAWildcardHost_Refused()
    {
        var result = Parse("tls: auto", hosts: "[app.example.com, \"*.example.com\"]");
        Assert.Equal("baton.yml line 4: tls: tls: auto gets a certificate per exact host, and the http-01 challenge cannot validate *.example.com; list the names instead, or serve the wildcard with the server's --tls-cert.", Assert.Single(result.Errors));
    }

    [Fact]
    public void Parse_AutoWithoutHosts_Refused()
    {
        var result = ServiceFileParser.Parse("service: web\nimage: 127.0.0.1:5000/shop\ntls: auto\n");
        Assert.Equal("baton.yml line 3: tls: tls: auto needs the service's hosts (hosts: [app.example.com]): certificates are issued for names, and a service with no hosts answers on any name.", Assert.Single(result.Errors));
    }
}
