using FunctionsDashboard.EventLog;

namespace FunctionsDashboard.Sse;

/// <summary>What the fan-out hands its subscribers: an event, a reset of one stream, or a checkpoint marker.</summary>
/// <param name="Stream">The stream (null for a marker).</param>
/// <param name="Generation">The stream's generation (events and resets).</param>
/// <param name="Frame">The event and its shared frame (null for resets and markers).</param>
/// <param name="ResetTo">For a reset: the seq before the oldest retained event, where readers resume.</param>
/// <param name="Checkpoint">For a marker: the checkpoint of the fan-out's positions at this point of the feed.</param>
public readonly record struct FeedItem(string? Stream, string? Generation, EventFrame? Frame, long ResetTo, Task<CursorCheckpoint>? Checkpoint)
{
    /// <summary>The event (null for resets and markers).</summary>
    public StoredEvent? Event => Frame?.Event;

    /// <summary>An event (its frame is shared by every subscriber it is handed to).</summary>
    public static FeedItem ForEvent(string generation, StoredEvent e) => new(e.Stream, generation, new EventFrame(generation, e), 0, null);

    /// <summary>A reset of <paramref name="stream"/> (its generation changed or the position expired).</summary>
    public static FeedItem ForReset(string stream, string generation, long resetTo) => new(stream, generation, null, resetTo, null);

    /// <summary>A checkpoint marker.</summary>
    public static FeedItem ForCheckpoint(Task<CursorCheckpoint> checkpoint) => new(null, null, null, 0, checkpoint);
}
