namespace Baton.Contracts;

/// <summary>
/// A service's traffic over the last <paramref name="WindowSeconds"/> seconds in steps of
/// <paramref name="StepSeconds"/>, per colour, as the controller's router counted it, and the deploys,
/// switches, rollbacks and canary or watch judgements of that time. Kept in memory by the router:
/// empty after it starts.
/// </summary>
/// <param name="From">The start of the window (now − <paramref name="WindowSeconds"/>).</param>
/// <param name="To">Now, by the router's clock.</param>
public sealed record TrafficResponse(
    string Service,
    int StepSeconds,
    int WindowSeconds,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<TrafficColour> Colours,
    IReadOnlyList<TrafficMarker> Markers);

/// <summary>One pool's line: a point per step while the pool existed, oldest first.</summary>
/// <param name="Colour">The pool's name (<c>blue</c>, <c>green</c>), or <c>live</c> for a pool without one.</param>
public sealed record TrafficColour(string Colour, IReadOnlyList<TrafficPoint> Points);

/// <summary>One step of one colour.</summary>
/// <param name="At">The start of the step.</param>
/// <param name="Requests">Requests answered in the step (with failed connections: each is an attempt and an error).</param>
/// <param name="Errors">5xx answers of the targets, the router's own 502 and 504 for them, and failed connections.</param>
/// <param name="ErrorRate">Errors / Requests; null with no requests.</param>
/// <param name="P95Ms">95th percentile latency in milliseconds; null with no latency sample.</param>
public sealed record TrafficPoint(DateTimeOffset At, long Requests, long Errors, double RequestsPerSecond, double? ErrorRate, double? P95Ms);

/// <summary>
/// Something a deployment did, at the moment it did it: <c>deploy</c> (started), <c>switch</c>,
/// <c>rollback</c>, <c>canary</c> (a canary step, judged) or <c>watch</c> (the window after a switch, judged).
/// </summary>
/// <param name="Deployment">The deployment's id in the history.</param>
/// <param name="Judgement">For <c>canary</c> and <c>watch</c>: what was compared and what was decided.</param>
public sealed record TrafficMarker(DateTimeOffset At, string Kind, string Label, long Deployment, TrafficJudgement? Judgement = null);

/// <summary>
/// A canary step or a watch, judged on the router's numbers over <paramref name="From"/> to
/// <paramref name="To"/>: the candidate (the new release) against the live release (for a watch,
/// the old release over the minute before the switch).
/// </summary>
/// <param name="Outcome">The step's outcome: <c>running</c>, <c>ok</c> (passed), <c>failed</c> (found worse: rolled back), <c>aborted</c>.</param>
/// <param name="Candidate">The candidate's numbers the last judgement compared; null when the history holds none.</param>
/// <param name="Live">The live release's numbers it compared them with.</param>
public sealed record TrafficJudgement(string Outcome, DateTimeOffset From, DateTimeOffset? To, JudgedNumbers? Candidate, JudgedNumbers? Live);

/// <summary>One side of a judgement.</summary>
public sealed record JudgedNumbers(long Requests, long Errors, double ErrorRate, double? P95Ms);
