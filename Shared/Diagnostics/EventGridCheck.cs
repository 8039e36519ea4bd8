using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// <c>event-grid</c>: has an Event Grid subscription validated the webhook (either handshake) or delivered to it? Never:
/// fail (the subscription is missing or never passed validation); not for <see cref="DiagnosticsOptions.EventGridQuietPeriod"/>:
/// warn (a quiet topic, or a subscription that stopped delivering).
/// </summary>
public sealed class EventGridCheck(DiagnosticsActivity activity, IOptions<DiagnosticsOptions> options, TimeProvider timeProvider) : IDiagnosticCheck
{
    /// <summary>The check's name.</summary>
    public const string CheckName = "event-grid";

    /// <inheritdoc />
    public string Name => CheckName;

    /// <inheritdoc />
    public async Task<DiagnosticCheckResult> RunAsync(DiagnosticsContext context, CancellationToken cancellationToken)
    {
        var view = await activity.ReadAsync(cancellationToken);
        return Evaluate(view, timeProvider.GetUtcNow(), options.Value.EventGridQuietPeriod, context.OwnOrigin);
    }

    /// <summary>The verdict on <paramref name="view"/> at <paramref name="now"/>.</summary>
    public static DiagnosticCheckResult Evaluate(ActivityView view, DateTimeOffset now, TimeSpan quietPeriod, string ownOrigin)
    {
        var handshake = view.Instances.Max(i => i.LastHandshakeAt);
        var delivery = view.Instances.Max(i => i.LastDeliveryAt);
        var partial = view.DurableUnavailable is { } why ? $" Other instances unknown: {why}." : "";
        var seen = $"last delivery {delivery?.ToString("O") ?? "never"}, last validation handshake {handshake?.ToString("O") ?? "never"}.";
        var endpoint = $"{ownOrigin.TrimEnd('/')}/api/eventgrid?code=<Relay:WebhookSecret>";
        if (handshake is null && delivery is null)
        {
            return DiagnosticCheckResult.Fail(CheckName, $"No Event Grid subscription has validated or delivered to this app: {seen}{partial}",
                $"Create the topic's event subscription with webhook endpoint {endpoint} (azd: WIRE_ENDPOINTS=true, then azd provision). " +
                "If it exists, look at its provisioning state: a failed validation means the endpoint or the secret is wrong.");
        }

        var last = new[] { handshake, delivery }.Max()!.Value;
        if (now - last > quietPeriod)
        {
            return DiagnosticCheckResult.Warn(CheckName, $"Nothing from Event Grid for {(now - last).TotalHours:0.#} h: {seen}{partial}",
                $"A quiet topic is fine; otherwise check the subscription's delivery metrics and dead-letter, and that its endpoint is {endpoint}.");
        }

        return DiagnosticCheckResult.Ok(CheckName, $"Event Grid reaches the webhook: {seen}{partial}");
    }
}
