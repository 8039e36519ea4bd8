namespace FunctionsDashboard.Sse;

/// <summary>Where a read resumes: a checkpoint and the streams that differ from it, or a cursor the log no longer holds.</summary>
/// <param name="Checkpoint">The checkpoint (the empty one when expired).</param>
/// <param name="Deltas">The streams listed beside it.</param>
/// <param name="Expired">True when the cursor's checkpoint is gone: every stream resets to its oldest retained event.</param>
public sealed record ReadResume(CursorCheckpoint Checkpoint, IReadOnlyDictionary<string, StreamPosition> Deltas, bool Expired);
