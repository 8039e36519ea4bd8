namespace FunctionsDashboard.Sse;

/// <summary>The Server-Sent Events fallback and the history API (section <c>Sse</c>).</summary>
public sealed class SseOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sse";

    /// <summary>
    /// Each SSE response ends cleanly after this long and the client resumes with <c>Last-Event-ID</c>, staying under
    /// Azure's 230 s front-end limit. Default 3 min; 5 s to 225 s.
    /// </summary>
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// How often the instance's one event-log reader polls the stream heads for events committed elsewhere (this
    /// instance's own commits arrive at once). Default 200 ms; 10 ms to 10 s.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The <c>retry:</c> hint sent to clients. Default 2 s.</summary>
    public TimeSpan RetryHint { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Events buffered per client before it counts as behind and resumes from the log. Default 1,000; 16 to 100,000.</summary>
    public int ClientBuffer { get; set; } = 1000;

    /// <summary>
    /// How often, at most, the fan-out writes a cursor checkpoint while events flow (also when it first sees a stream,
    /// and when several streams moved). Default 5 s; 100 ms to 10 min.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long cursor checkpoints are kept; a cursor older than this gets a reset. Keep it at least the event log's
    /// retention. Default 7 days; 1 h to 400 days.
    /// </summary>
    public TimeSpan CursorRetention { get; set; } = TimeSpan.FromDays(7);
}
