using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Baton.Registry.Tests.Infrastructure;

/// <summary>
/// A registry token server in Kestrel, as in the token specification: <c>GET /token?service=…&amp;scope=…</c>
/// with Basic auth answers <c>{"token", "expires_in"}</c>, an RS256 JWT that grants the scope's actions.
/// The registry trusts it because the JWT carries its certificate in <c>x5c</c> and that certificate is
/// the registry's <c>rootcertbundle</c>. Wrong or missing credentials get 401.
/// </summary>
public sealed class TokenServer : IAsyncDisposable
{
    public const string Service = "baton-test-registry";
    public const string Issuer = "baton-test-token-server";

    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;
    private readonly string _work = Directory.CreateTempSubdirectory("baton-token-server-").FullName;
    private readonly string _username;
    private readonly string _password;
    private WebApplication? _app;
    private int _issued;

    public TokenServer(string username, string password)
    {
        _username = username;
        _password = password;
        var request = new CertificateRequest("CN=baton-test-token-server", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        RootCertBundle = Path.Combine(_work, "token.crt");
        File.WriteAllText(RootCertBundle, _certificate.ExportCertificatePem());
    }

    public string RootCertBundle { get; }
    public Uri Realm { get; private set; } = null!;

    /// <summary>How many tokens were handed out: a client that caches them asks less often.</summary>
    public int Issued => Volatile.Read(ref _issued);

    /// <summary>Lifetime written in <c>expires_in</c>.</summary>
    public int ExpiresIn { get; set; } = 300;

    public RegistryAuth.Token Auth => new(Realm.ToString(), Service, Issuer, RootCertBundle);

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/token", (HttpContext context) =>
        {
            if (!Authorized(context.Request.Headers.Authorization.ToString())) return Results.Json(new JsonObject { ["details"] = "bad login" }, statusCode: 401);
            var scope = context.Request.Query["scope"].ToString();
            var service = context.Request.Query["service"].ToString();
            Interlocked.Increment(ref _issued);
            return Results.Json(new JsonObject { ["token"] = Sign(service, scope), ["expires_in"] = ExpiresIn });
        });
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Realm = new Uri(new Uri(address), "token");
    }

    /// <summary>A token for a scope, straight from the server (the tests push with it).</summary>
    public string TokenFor(string scope) => Sign(Service, scope);

    private bool Authorized(string header)
    {
        if (!header.StartsWith("Basic ", StringComparison.Ordinal)) return false;
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(header[6..])) == $"{_username}:{_password}";
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private string Sign(string service, string scope)
    {
        var access = new JsonArray();
        foreach (var item in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            // type:name:actions, where the name may hold a port's colon: split at the first and last colon.
            var first = item.IndexOf(':', StringComparison.Ordinal);
            var last = item.LastIndexOf(':');
            if (first < 0 || last <= first) continue;
            var actions = new JsonArray();
            foreach (var a in item[(last + 1)..].Split(',')) actions.Add(a);
            access.Add(new JsonObject { ["type"] = item[..first], ["name"] = item[(first + 1)..last], ["actions"] = actions });
        }
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["x5c"] = new JsonArray(Convert.ToBase64String(_certificate.RawData)) };
        var claims = new JsonObject
        {
            ["iss"] = Issuer, ["sub"] = _username, ["aud"] = service, ["exp"] = now + ExpiresIn, ["nbf"] = now - 5, ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"), ["access"] = access,
        };
        var signed = $"{Base64Url(JsonSerializer.SerializeToUtf8Bytes(header))}.{Base64Url(JsonSerializer.SerializeToUtf8Bytes(claims))}";
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{signed}.{Base64Url(signature)}";
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        _certificate.Dispose();
        _key.Dispose();
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
