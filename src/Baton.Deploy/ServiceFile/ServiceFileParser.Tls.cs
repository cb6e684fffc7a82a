using Baton.Router.Routing;
using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.ServiceFile;

public static partial class ServiceFileParser
{
    /// <summary>
    /// <c>tls: auto | off</c>, <c>https_redirect: true | false</c>, <c>hsts: true | false</c>. What
    /// Baton cannot honour is an error: a redirect or HSTS without TLS, and <c>tls: auto</c> for a
    /// wildcard host or a service with no exact host (http-01 validates exact names only).
    /// </summary>
    private static ServiceTls ParseTls(Reader r, YamlMappingNode root, IReadOnlyList<string> hosts)
    {
        bool auto = false;
        if (r.String(root, "tls") is { } mode)
        {
            if (mode == "auto") auto = true;
            else if (mode != "off") r.Error(r.ValueNode(root, "tls")!, "tls", $"'{mode}' is not a TLS mode: use auto (certificates from the server's ACME directory) or off");
        }
        var redirect = Bool(r, root, "https_redirect");
        var hsts = Bool(r, root, "hsts");
        if (!auto)
        {
            if (redirect) r.Error(r.ValueNode(root, "https_redirect")!, "https_redirect", "the service has no HTTPS to redirect to; add tls: auto");
            if (hsts) r.Error(r.ValueNode(root, "hsts")!, "hsts", "HSTS is sent on HTTPS answers and the service has none; add tls: auto");
            return ServiceTls.Off;
        }
        var node = r.ValueNode(root, "tls")!;
        if (hosts.FirstOrDefault(h => h.StartsWith('*')) is { } wildcard)
            r.Error(node, "tls", $"tls: auto gets a certificate per exact host, and the http-01 challenge cannot validate {wildcard}; list the names instead, or serve the wildcard with the server's --tls-cert");
        else if (hosts.Count == 0)
            r.Error(node, "tls", "tls: auto needs the service's hosts (hosts: [app.example.com]): certificates are issued for names, and a service with no hosts answers on any name");
        return new ServiceTls(true, redirect, hsts);
    }

    private static bool Bool(Reader r, YamlMappingNode root, string key)
    {
        var text = r.String(root, key);
        if (text is null or "false") return false;
        if (text == "true") return true;
        r.Error(r.ValueNode(root, key)!, key, $"'{text}' must be true or false");
        return false;
    }
}
