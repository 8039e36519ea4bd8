namespace FunctionsDashboard.Relay;

/// <summary>The answer of <c>GET /api/relay/stats</c>: this instance's relay counters.</summary>
/// <param name="Instance">The machine (instance) the counters belong to.</param>
/// <param name="Since">When this instance started counting.</param>
/// <param name="Accepted">New events written to the log.</param>
/// <param name="Duplicates">Redelivered events (id already in the log): acknowledged, not written again.</param>
/// <param name="Commits">Event-log transactions (each holds one or more events).</param>
/// <param name="HandOffs">Ranges handed off to the delivery queue after their commit.</param>
/// <param name="ReHandOffs">Pending ranges handed off again (redelivery of a pending event, or outbox sweep).</param>
/// <param name="Rejected">Webhook calls refused with a 4xx.</param>
/// <param name="Unavailable">Webhook calls answered 503.</param>
/// <param name="Delivered">Events delivered to the SignalR Service (each event once).</param>
/// <param name="Retried">Delivery tries retried.</param>
/// <param name="DeadLettered">Events put into the dead-letter store, with their reason.</param>
/// <param name="DeliveredAgain">Events pushed again after another try had delivered them (duplicates clients drop by id).</param>
/// <param name="Redriven">Dead-lettered events queued again by a re-drive. Once everything has settled, on one instance:
/// <c>Delivered + DeadLettered - Redriven = Accepted</c>.</param>
/// <param name="Sends">Hub messages sent (first tries; one carries one event or, batched, several).</param>
public sealed record RelayStatsSnapshot(
    string Instance,
    DateTimeOffset Since,
    long Accepted,
    long Duplicates,
    long Commits,
    long HandOffs,
    long ReHandOffs,
    long Rejected,
    long Unavailable,
    long Delivered,
    long Retried,
    long DeadLettered,
    long DeliveredAgain,
    long Redriven,
    long Sends = 0);
