using FunctionsDashboard.Options;

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
    [SettingRange(typeof(TimeSpan), "00:00:05", "00:03:45", ErrorMessage = SectionName + ":" + nameof(MaxStreamDuration) + " must be between {1} and {2} (Azure ends HTTP responses at 230 s) (app setting " + SectionName + "__" + nameof(MaxStreamDuration) + ").")]
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>
    /// How often the instance's one event-log reader polls the stream heads for events committed elsewhere (this
    /// instance's own commits arrive at once). Default 200 ms; 10 ms to 10 s.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.010", "00:00:10", ErrorMessage = SectionName + ":" + nameof(PollInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(PollInterval) + ").")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The <c>retry:</c> hint sent to clients. Default 2 s; 100 ms to 1 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = SectionName + ":" + nameof(RetryHint) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(RetryHint) + ").")]
    public TimeSpan RetryHint { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Events buffered per client before it counts as behind and resumes from the log. Default 1,000; 16 to 100,000.</summary>
    [SettingRange(16, 100_000, ErrorMessage = SectionName + ":" + nameof(ClientBuffer) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(ClientBuffer) + ").")]
    public int ClientBuffer { get; set; } = 1000;

    /// <summary>
    /// How often, at most, the fan-out writes a cursor checkpoint while events flow (also when it first sees a stream,
    /// and when several streams moved). Default 5 s; 100 ms to 10 min.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "00:00:00.100", "00:10:00", ErrorMessage = SectionName + ":" + nameof(CheckpointInterval) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(CheckpointInterval) + ").")]
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long cursor checkpoints are kept; a cursor older than this gets a reset. Keep it at least the event log's
    /// retention. Default 7 days; 1 h to 400 days.
    /// </summary>
    [SettingRange(typeof(TimeSpan), "01:00:00", "400.00:00:00", ErrorMessage = SectionName + ":" + nameof(CursorRetention) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(CursorRetention) + ").")]
    public TimeSpan CursorRetention { get; set; } = TimeSpan.FromDays(7);
}
