namespace Baton.Router.Forwarding;

/// <summary>Reuses the <see cref="HttpMethod"/> instances of the common methods instead of allocating one per request.</summary>
internal static class Methods
{
    public static HttpMethod For(string method) => method switch
    {
        "GET" => HttpMethod.Get,
        "POST" => HttpMethod.Post,
        "PUT" => HttpMethod.Put,
        "DELETE" => HttpMethod.Delete,
        "HEAD" => HttpMethod.Head,
        "OPTIONS" => HttpMethod.Options,
        "PATCH" => HttpMethod.Patch,
        "TRACE" => HttpMethod.Trace,
        "CONNECT" => HttpMethod.Connect,
        _ => new HttpMethod(method),
    };
}
