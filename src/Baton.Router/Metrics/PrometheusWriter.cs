using System.Globalization;
using System.Text;
using Baton.Router.Routing;
using Baton.Router.Targets;

namespace Baton.Router.Metrics;

/// <summary>Writes the router's counters in the Prometheus text exposition format (version 0.0.4).</summary>
public static class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static string Write(RouteTable table, RouterCounters counters)
    {
        var sb = new StringBuilder(4096);
        var rows = table.Services.Values.OrderBy(s => s.Name, StringComparer.Ordinal)
            .SelectMany(s => Pools(s).SelectMany(p => p.Pool.Targets.Select(t => (Service: s.Name, p.Name, Target: t))))
            .ToList();

        Header(sb, "baton_requests_total", "counter", "Requests forwarded to a target, by status class.");
        foreach (var (service, pool, t) in rows)
            for (int c = 1; c <= 5; c++)
                Line(sb, "baton_requests_total", service, pool, t, $",code=\"{c}xx\"", t.Metrics.CountOfClass(c));

        Header(sb, "baton_requests_in_flight", "gauge", "Requests being served by a target now.");
        foreach (var (service, pool, t) in rows) Line(sb, "baton_requests_in_flight", service, pool, t, "", t.InFlight);

        Header(sb, "baton_connect_failures_total", "counter", "Connections to a target that failed.");
        foreach (var (service, pool, t) in rows) Line(sb, "baton_connect_failures_total", service, pool, t, "", t.Metrics.ConnectFailures);

        Header(sb, "baton_target_healthy", "gauge", "1 when the target passes its health checks and takes traffic.");
        foreach (var (service, pool, t) in rows) Line(sb, "baton_target_healthy", service, pool, t, "", t.IsAvailable ? 1 : 0);

        Header(sb, "baton_request_duration_seconds", "histogram", "Time from receiving a request to its end, per target.");
        foreach (var (service, pool, t) in rows)
        {
            var buckets = t.Metrics.CumulativeBuckets();
            for (int i = 0; i < TargetMetrics.BucketBounds.Length; i++)
                Line(sb, "baton_request_duration_seconds_bucket", service, pool, t, $",le=\"{TargetMetrics.BucketBounds[i].ToString(CultureInfo.InvariantCulture)}\"", buckets[i]);
            Line(sb, "baton_request_duration_seconds_bucket", service, pool, t, ",le=\"+Inf\"", buckets[^1]);
            Line(sb, "baton_request_duration_seconds_sum", service, pool, t, "", t.Metrics.LatencySumSeconds);
            Line(sb, "baton_request_duration_seconds_count", service, pool, t, "", buckets[^1]);
        }

        Header(sb, "baton_unrouted_requests_total", "counter", "Requests answered by the router itself.");
        sb.Append("baton_unrouted_requests_total{reason=\"no_route\"} ").Append(counters.NoRoute).Append('\n');
        sb.Append("baton_unrouted_requests_total{reason=\"no_healthy_target\"} ").Append(counters.NoTarget).Append('\n');
        sb.Append("baton_unrouted_requests_total{reason=\"pause_expired\"} ").Append(counters.PauseExpired).Append('\n');
        sb.Append("baton_unrouted_requests_total{reason=\"staging_refused\"} ").Append(counters.StagingRefused).Append('\n');

        // No service's name is empty, so service="" (which Prometheus reads as no label) is unambiguous for "no route matched".
        Header(sb, "baton_router_responses_total", "counter", "Answers the router gave itself (404 no route, 400 refused, 502, 503, 504), by service (empty: no route matched) and status.");
        foreach (var (service, status, count) in counters.Answers())
            sb.Append("baton_router_responses_total{service=\"").Append(service).Append("\",code=\"").Append(status).Append("\"} ").Append(count).Append('\n');

        Header(sb, "baton_standby_requests_total", "counter", "Requests sent to the warm old release during a watch window because the live pool had no available target.");
        foreach (var (service, count) in counters.Standby())
            sb.Append("baton_standby_requests_total{service=\"").Append(service).Append("\"} ").Append(count).Append('\n');

        Header(sb, "baton_request_log_dropped_total", "counter", "Request log lines lost because the writer's queue was full or the write failed (0 while the log is off).");
        sb.Append("baton_request_log_dropped_total ").Append(counters.RequestLogDropped).Append('\n');
        return sb.ToString();
    }

    private static IEnumerable<(string Name, TargetPool Pool)> Pools(ServiceEntry s)
    {
        if (s.Active is not null) yield return ("active", s.Active);
        if (s.Candidate is not null) yield return ("candidate", s.Candidate);
    }

    private static void Header(StringBuilder sb, string name, string type, string help) =>
        sb.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(' ').Append(type).Append('\n');

    private static void Line(StringBuilder sb, string metric, string service, string pool, Target t, string extraLabels, double value) =>
        sb.Append(metric).Append("{service=\"").Append(service).Append("\",pool=\"").Append(pool).Append("\",target=\"").Append(t.Authority).Append('"')
          .Append(extraLabels).Append("} ").Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
