using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Baton.Contracts;

namespace Baton.FunctionalTests.Infrastructure;

/// <summary>
/// A client of the admin API as one person: signed in with a cookie session (as the web page
/// is) or holding an API token. Sends the session's CSRF token only when asked to.
/// </summary>
public sealed class AccessClient : IDisposable
{
    private readonly HttpClient _http;

    private AccessClient(HttpClient http, string? csrf)
    {
        _http = http;
        Csrf = csrf;
    }

    public string? Csrf { get; }
    public CookieContainer? Cookies { get; private init; }

    /// <summary>The value of the session cookie the server set.</summary>
    public string SessionCookie(Uri admin) => Cookies!.GetCookies(admin)["baton_session"]!.Value;

    /// <summary>Signs in through <c>POST /api/session</c>; fails the test unless it succeeds.</summary>
    public static async Task<AccessClient> SignInAsync(Uri admin, string user, string password)
    {
        var cookies = new CookieContainer();
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, CookieContainer = cookies, UseCookies = true }) { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.PostAsJsonAsync("/api/session", new SessionRequest(user, password), BatonJson.Default.SessionRequest);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"sign-in of {user} answered {(int)response.StatusCode}: {body}");
        var session = System.Text.Json.JsonSerializer.Deserialize(body, BatonJson.Default.SessionResponse)!;
        Assert.False(string.IsNullOrEmpty(session.CsrfToken));
        return new AccessClient(http, session.CsrfToken) { Cookies = cookies };
    }

    public static AccessClient WithToken(Uri admin, string token)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseProxy = false, UseCookies = false }) { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return new AccessClient(http, null);
    }

    /// <param name="from">The client's own address on 127.0.0.0/8 (the server sees the call come from it); any when null.</param>
    public static AccessClient Anonymous(Uri admin, IPAddress? from = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, UseCookies = false };
        if (from is not null)
            handler.ConnectCallback = async (context, ct) =>
            {
                var socket = new System.Net.Sockets.Socket(from.AddressFamily, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(from, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        return new(new HttpClient(handler) { BaseAddress = admin, Timeout = TimeSpan.FromSeconds(60) }, null);
    }

    /// <summary>Sends a call; a JSON body when <paramref name="json"/> is given; the CSRF header unless <paramref name="csrf"/> is false.</summary>
    public async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string path, string? json = null, bool csrf = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        if (csrf && Csrf is not null) request.Headers.Add("X-CSRF-Token", Csrf);
        var response = await _http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(string path, string json, bool csrf = true) => SendAsync(HttpMethod.Post, path, json, csrf);

    /// <summary>Creates a user through the API (the caller must be an admin); fails the test otherwise.</summary>
    public async Task AddUserAsync(string name, string role, string password)
    {
        var (status, body, _) = await PostAsync("/api/users", $$"""{"name":"{{name}}","role":"{{role}}","password":"{{password}}"}""");
        Assert.True(status == HttpStatusCode.Created, $"adding user {name} answered {(int)status}: {body}");
    }

    /// <summary>Creates an API token for the caller; returns the created answer.</summary>
    public async Task<TokenCreated> CreateTokenAsync(string name, string? role = null, string? expires = null)
    {
        var json = System.Text.Json.JsonSerializer.Serialize(new TokenRequest(name, role, expires), BatonJson.Default.TokenRequest);
        var (status, body, _) = await PostAsync("/api/tokens", json);
        Assert.True(status == HttpStatusCode.Created, $"creating token {name} answered {(int)status}: {body}");
        return System.Text.Json.JsonSerializer.Deserialize(body, BatonJson.Default.TokenCreated)!;
    }

    public void Dispose() => _http.Dispose();
}
