namespace FunctionsDashboard.Relay;

/// <summary>
/// An event delivery gave up on, as kept in the dead-letter store and listed by <c>GET /api/relay/deadletters</c>. The
/// event itself stays in the event log (<see cref="Stream"/> + <see cref="Seq"/> refer to it), so a re-drive sends exactly
/// what was accepted. A delivery message that could not even be read has no stream or seq: it is kept with its text.
/// </summary>
/// <param name="Stream">The event's stream; null for an unreadable message.</param>
/// <param name="Seq">The event's sequence number in the stream; null for an unreadable message.</param>
/// <param name="Id">The event id, when the event log had it.</param>
/// <param name="Type">The event type, when the event log had it.</param>
/// <param name="Reason">Why delivery gave up, in words (the last error included).</param>
/// <param name="Origin">Which path dead-lettered it: <c>retries-exhausted</c>, <c>not-retryable</c>, <c>poison</c>, <c>missing</c> or <c>invalid-message</c>.</param>
/// <param name="Attempts">Delivery tries made (0 when unknown, as for a poisoned message).</param>
/// <param name="StatusCode">The SignalR Service's last HTTP status, when there was one.</param>
/// <param name="DeadLetteredAt">When it was dead-lettered (server time).</param>
/// <param name="Message">The unreadable message text (only for <c>invalid-message</c>).</param>
public sealed record DeadLetterEntry(
    string? Stream,
    long? Seq,
    string? Id,
    string? Type,
    string Reason,
    string Origin,
    int Attempts,
    int? StatusCode,
    DateTimeOffset DeadLetteredAt,
    string? Message = null);
