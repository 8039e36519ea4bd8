using System.Diagnostics;

namespace FunctionsDashboard.Observability;

/// <summary>W3C Trace Context (<c>traceparent</c>, <c>tracestate</c>) as carried by CloudEvents' distributed-tracing extension.</summary>
public static class TraceContext
{
    /// <summary>The CloudEvents extension attribute (and JSON field) of the W3C traceparent.</summary>
    public const string TraceparentAttribute = "traceparent";

    /// <summary>The CloudEvents extension attribute of the W3C tracestate.</summary>
    public const string TracestateAttribute = "tracestate";

    /// <summary>Longest tracestate kept (W3C: 32 members of at most 256 characters; we keep 512 characters).</summary>
    public const int MaxTracestateLength = 512;

    /// <summary>True when <paramref name="traceparent"/> is a valid W3C traceparent; <paramref name="context"/> is it (remote).</summary>
    public static bool TryParse(string? traceparent, string? tracestate, out ActivityContext context)
    {
        context = default;
        if (traceparent is not { Length: 55 })
        {
            return false;
        }

        return ActivityContext.TryParse(traceparent, Bounded(tracestate), isRemote: true, out context)
            && context.TraceId != default && context.SpanId != default;
    }

    /// <summary>A valid traceparent, else null (what the parser keeps from a CloudEvent).</summary>
    public static string? Valid(string? traceparent) => TryParse(traceparent, null, out _) ? traceparent : null;

    /// <summary>A tracestate short enough to keep, else null.</summary>
    public static string? Bounded(string? tracestate) =>
        tracestate is { Length: > 0 and <= MaxTracestateLength } ? tracestate : null;

    /// <summary>The traceparent of <paramref name="context"/>.</summary>
    public static string Format(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>A traceparent of a new trace, not sampled (an event without one, when nobody records spans).</summary>
    public static string NewTraceparent() =>
        Format(new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None));
}
