namespace FunctionsDashboard.DevHost.LocalSignalR;

/// <summary>
/// The fault knobs of the local SignalR Service, for reliability tests. Bound from <c>LocalSignalR:Faults</c> and
/// replaceable at runtime (<c>PUT /localsignalr/_faults</c>, or <see cref="LocalSignalRFaults.Set"/>). All default to
/// "no fault". Each REST call draws once: <see cref="TooManyRequestsRate"/>, then <see cref="ErrorRate"/>, then
/// <see cref="FailAfterDeliveryRate"/> (so their sum must be at most 1).
/// </summary>
internal sealed record LocalSignalRFaultSettings
{
    /// <summary>Fraction of REST calls answered 5xx without doing anything: 500, 502, 503 or 504 in equal shares.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Fraction of REST calls answered 429 with <c>Retry-After: </c><see cref="RetryAfterSeconds"/>.</summary>
    public double TooManyRequestsRate { get; init; }

    /// <summary>The <c>Retry-After</c> of injected 429s, in seconds. Default 1; 0 to 3600.</summary>
    public int RetryAfterSeconds { get; init; } = 1;

    /// <summary>
    /// Fraction of REST calls that really run (the message is delivered) and are then answered 500: the Service's
    /// ambiguous "timed out after delivery".
    /// </summary>
    public double FailAfterDeliveryRate { get; init; }

    /// <summary>Delay added to every REST call (health included), on the app's TimeProvider. Default none; at most 5 min.</summary>
    public TimeSpan Latency { get; init; }

    /// <summary>Which REST calls the rates apply to. Default <see cref="FaultScope.Sends"/>.</summary>
    public FaultScope ApplyTo { get; init; } = FaultScope.Sends;

    /// <summary>Fraction of upstream calls silently not made (the Service never retries upstream).</summary>
    public double DropUpstreamRate { get; init; }

    /// <summary>The upstream events <see cref="DropUpstreamRate"/> applies to (e.g. <c>disconnected</c>); empty: every event.</summary>
    public IReadOnlyList<string> DropUpstreamEvents { get; init; } = [];

    /// <summary>
    /// The whole local Service refuses: negotiate, connect and REST calls get 503 with <c>Retry-After</c>, and existing
    /// connections are dropped (transport closed without a close message, as in an outage).
    /// </summary>
    public bool Offline { get; init; }

    /// <summary>
    /// The Service's keys are not the app's any more (as after a key rotation, or a key of another resource): client and
    /// REST tokens signed with the app's access key are refused (401), and upstream calls are signed with keys the app
    /// does not know. The secondary key and Microsoft Entra ID keep working.
    /// </summary>
    public bool RejectAccessKey { get; init; }

    /// <summary>Seed of the fault dice, for reproducible runs. Default: none (a random seed).</summary>
    public int? Seed { get; init; }

    /// <summary>Whether <paramref name="eventName"/> is subject to <see cref="DropUpstreamRate"/>.</summary>
    public bool DropsEvent(string eventName) =>
        DropUpstreamRate > 0 && (DropUpstreamEvents.Count == 0 || DropUpstreamEvents.Contains(eventName, StringComparer.OrdinalIgnoreCase));

    /// <summary>The problems with these settings (empty when valid); messages name the setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        Rate(failures, nameof(ErrorRate), ErrorRate);
        Rate(failures, nameof(TooManyRequestsRate), TooManyRequestsRate);
        Rate(failures, nameof(FailAfterDeliveryRate), FailAfterDeliveryRate);
        Rate(failures, nameof(DropUpstreamRate), DropUpstreamRate);
        if (ErrorRate + TooManyRequestsRate + FailAfterDeliveryRate > 1 + 1e-9)
        {
            failures.Add($"{Setting(nameof(ErrorRate))} + {nameof(TooManyRequestsRate)} + {nameof(FailAfterDeliveryRate)} must be at most 1.");
        }

        if (RetryAfterSeconds is < 0 or > 3600)
        {
            failures.Add($"{Setting(nameof(RetryAfterSeconds))} ({RetryAfterSeconds}) must be between 0 and 3600.");
        }

        if (Latency < TimeSpan.Zero || Latency > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{Setting(nameof(Latency))} ({Latency}) must be between 00:00:00 and 00:05:00.");
        }

        if (!Enum.IsDefined(ApplyTo))
        {
            failures.Add($"{Setting(nameof(ApplyTo))} must be Sends or All.");
        }

        return failures;
    }

    private static void Rate(List<string> failures, string name, double value)
    {
        if (double.IsNaN(value) || value < 0 || value > 1)
        {
            failures.Add($"{Setting(name)} ({value}) must be between 0 and 1.");
        }
    }

    private static string Setting(string name) => $"{LocalSignalROptions.SectionName}:Faults:{name}";
}
