using YamlDotNet.RepresentationModel;

namespace Baton.Deploy.ServiceFile;

/// <summary><c>servers:</c> of baton.yml: which app servers run the service's containers.</summary>
public static partial class ServiceFileParser
{
    private static ServerPlacement? ParseServers(Reader r, YamlMappingNode root)
    {
        switch (r.ValueNode(root, "servers"))
        {
            case null:
                return null;
            case YamlMappingNode byColor:
                // The seed's layout: each colour on its own servers.
                r.CheckKeys(byColor, "servers.", ["blue", "green"]);
                var blue = ServerNames(r, byColor, "blue", "servers.blue");
                var green = ServerNames(r, byColor, "green", "servers.green");
                if (blue.Count == 0) r.Missing(byColor, "servers.blue", "the servers the blue colour runs on, e.g. [app1]");
                if (green.Count == 0) r.Missing(byColor, "servers.green", "the servers the green colour runs on, e.g. [app2]");
                return new ServerPlacement(blue, green);
            default:
                var each = ServerNames(r, root, "servers", "servers");
                if (each.Count == 0) r.Error(r.ValueNode(root, "servers")!, "servers", "give one or more server names, e.g. [app1, app2], or blue: and green: lists");
                return new ServerPlacement(each, each);
        }
    }

    private static List<string> ServerNames(Reader r, YamlMappingNode map, string key, string field)
    {
        var names = new List<string>();
        foreach (var (node, name) in r.StringList(map, key))
        {
            if (!ServerPlacement.IsName(name)) r.Error(node, field, $"'{name}' is not a server name (lower-case letters, digits and dashes, as given to baton host add)");
            else if (names.Contains(name)) r.Error(node, field, $"'{name}' is listed twice");
            else names.Add(name);
        }
        return names;
    }
}
