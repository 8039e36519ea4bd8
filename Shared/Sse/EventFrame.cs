using System.Text.Json;
using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

/// <summary>
/// One event as SSE responses write it. Its JSON is serialized once, and its frame, which carries the cursor of the
/// response writing it, is formatted and signed once per distinct cursor: live responses that stand at the same
/// position (the usual case: one subscription, the fan-out's checkpoint) write the same bytes. A response whose cursor
/// differs gets its own frame; nothing about the cursor's exactness changes.
/// </summary>
public sealed class EventFrame
{
    private const int Slots = 4;
    private readonly Lock _lock = new();
    private byte[]? _json;
    private Formatted[] _formatted = [];

    /// <summary>Wraps <paramref name="e"/> of <paramref name="generation"/>.</summary>
    public EventFrame(string generation, StoredEvent e)
    {
        Generation = generation;
        Event = e;
    }

    /// <summary>The event.</summary>
    public StoredEvent Event { get; }

    /// <summary>Its stream's generation.</summary>
    public string Generation { get; }

    /// <summary>The event's JSON (<c>{id, seq, stream, type, source, subject, time, data}</c>), UTF-8.</summary>
    public ReadOnlyMemory<byte> Json
    {
        get
        {
            var json = Volatile.Read(ref _json);
            if (json is null)
            {
                // Two responses may both serialize the first time; they make the same bytes.
                json = JsonSerializer.SerializeToUtf8Bytes(DashboardEvent.From(Event), JsonSerializerOptions.Web);
                Volatile.Write(ref _json, json);
            }

            return json;
        }
    }

    /// <summary>The frame for a response in <paramref name="state"/> (already advanced past this event).</summary>
    internal async ValueTask<byte[]> FrameAsync(CursorState state, bool typed)
    {
        foreach (var f in Volatile.Read(ref _formatted))
        {
            if (f.Typed == typed && state.Matches(f.Cursor))
            {
                return f.Bytes;
            }
        }

        var cursor = state.Signature();
        var bytes = await SseFrames.FormatAsync(typed ? Event.Type : null, Json, state.Encode());
        lock (_lock)
        {
            // Newest first; a few distinct cursors per event at most (subscriptions that differ, responses catching up).
            var old = _formatted;
            var kept = Math.Min(old.Length, Slots - 1);
            var next = new Formatted[kept + 1];
            next[0] = new Formatted(cursor, typed, bytes);
            Array.Copy(old, 0, next, 1, kept);
            Volatile.Write(ref _formatted, next);
        }

        return bytes;
    }

    private sealed record Formatted(CursorState.CursorSignature Cursor, bool Typed, byte[] Bytes);
}
