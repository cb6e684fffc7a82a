using System.Net.Http.Headers;
using Baton.Registry.Auth;

namespace Baton.Registry;

/// <summary>One operation against one registry: who it is for, and the authorization that worked so far.</summary>
internal sealed class RegistrySession(string host, Uri baseUri, string? repository, RegistryLogin? login)
{
    public string Host => host;
    public Uri BaseUri => baseUri;
    public string? Repository => repository;
    public RegistryLogin? Login => login;
    public volatile AuthenticationHeaderValue? Authorization;
}
