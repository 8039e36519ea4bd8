namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>The outcome names of REST calls in <see cref="LocalSignalRCounters.RestCalls"/>.</summary>
internal static class RestOutcome
{
    /// <summary>Answered as the real Service would (2xx, or 404 from a HEAD check).</summary>
    public const string Ok = "ok";

    /// <summary>401: no, or a bad, bearer token.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>400 (bad body or name) or 413 (body over 1 MB).</summary>
    public const string Rejected = "rejected";

    /// <summary>503 because the Service is <see cref="LocalSignalRFaultSettings.Offline"/>.</summary>
    public const string Offline = "offline";

    /// <summary>Injected 429.</summary>
    public const string Throttled = "injected-429";

    /// <summary>Really delivered, then answered 500.</summary>
    public const string FailedAfterDelivery = "failed-after-delivery";

    /// <summary>Injected 5xx without delivery: <c>injected-500</c>, <c>injected-502</c>, ...</summary>
    public static string Injected(int status) => $"injected-{status}";
}
