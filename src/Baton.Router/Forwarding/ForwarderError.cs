namespace Baton.Router.Forwarding;

/// <summary>Where a forwarded request failed, and on which side. Mapped to a status in <see cref="ProxyHandler"/>.</summary>
public enum ForwarderError
{
    None,
    /// <summary>The connection to the target failed before any byte of the request reached it: safe to retry.</summary>
    Connect,
    /// <summary>Reading the client's request body failed (the client went away or sent a bad body).</summary>
    RequestBodyClient,
    /// <summary>The target failed while the request or its body was being sent, or before answering.</summary>
    Target,
    /// <summary>The target's response body broke off after the status was sent.</summary>
    ResponseBodyTarget,
    /// <summary>The client went away while the response was being written.</summary>
    ResponseBodyClient,
    /// <summary>The target did not answer within its response timeout: 504, counted against it.</summary>
    Timeout,
    /// <summary>The client aborted the request before the target answered.</summary>
    Canceled,
}

/// <summary>The outcome of one attempt to forward to one target.</summary>
public readonly record struct ForwardResult(ForwarderError Error, bool RequestBodyStarted = false)
{
    public static readonly ForwardResult Ok = new(ForwarderError.None);
}
