namespace FunctionsDashboard.Sse;

/// <summary>The Server-Sent Events fallback (section <c>Sse</c>).</summary>
public sealed class SseOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sse";

    /// <summary>The stream served when a client names none (<c>?stream=</c>). Default <c>default</c>.</summary>
    public string DefaultStream { get; set; } = "default";

    /// <summary>
    /// Each SSE response ends cleanly after this long and the client resumes with <c>Last-Event-ID</c>, staying under
    /// Azure's 230 s front-end limit. Default 3 min; 5 s to 225 s.
    /// </summary>
    public TimeSpan MaxStreamDuration { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>How often the instance's one event-log reader looks for new events. Default 200 ms; 10 ms to 10 s.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The <c>retry:</c> hint sent to clients. Default 2 s.</summary>
    public TimeSpan RetryHint { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Events buffered per client before it counts as behind and resumes from the log. Default 1,000; 16 to 100,000.</summary>
    public int ClientBuffer { get; set; } = 1000;
}
