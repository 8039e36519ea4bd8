namespace FunctionsDashboard.Relay;

/// <summary>The answer of <c>POST /api/relay/deadletters/redrive</c>.</summary>
/// <param name="Requeued">Dead-lettered events queued for delivery again.</param>
/// <param name="Messages">Delivery messages they were queued in.</param>
/// <param name="NotRedrivable">Entries left alone: unreadable delivery messages (no event to send).</param>
public sealed record RedriveResult(int Requeued, int Messages, int NotRedrivable);
