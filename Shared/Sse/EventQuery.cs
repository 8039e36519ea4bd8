using FunctionsDashboard.Relay;

namespace FunctionsDashboard.Sse;

/// <summary>Checks of client-supplied query values.</summary>
public static class EventQuery
{
    /// <summary>True when <paramref name="stream"/> is a stream name as <see cref="StreamName"/> makes them.</summary>
    public static bool IsValidStream(string? stream) =>
        !string.IsNullOrEmpty(stream) && stream.Length <= StreamName.MaxLength && StreamName.From(stream) == stream;
}
