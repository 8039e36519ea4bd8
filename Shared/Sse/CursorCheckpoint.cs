using System.Collections.Immutable;

namespace FunctionsDashboard.Sse;

/// <summary>
/// A persisted vector of stream positions that cursors refer to by <see cref="Id"/>: a cursor is a checkpoint plus a
/// bounded list of the streams where it differs from it.
/// </summary>
/// <param name="Id">The id (<c>0</c> is the empty vector, always available; others are stored blobs).</param>
/// <param name="Vector">The positions; a stream not in it is at <see cref="StreamPosition.Start"/>.</param>
public sealed record CursorCheckpoint(string Id, ImmutableDictionary<string, StreamPosition> Vector)
{
    /// <summary>The id of the empty checkpoint.</summary>
    public const string EmptyId = "0";

    /// <summary>The empty checkpoint: every stream at its start.</summary>
    public static CursorCheckpoint Empty { get; } = new(EmptyId, ImmutableDictionary<string, StreamPosition>.Empty.WithComparers(StringComparer.Ordinal));

    /// <summary>The position of <paramref name="stream"/>.</summary>
    public StreamPosition PositionOf(string stream) => Vector.TryGetValue(stream, out var p) ? p : StreamPosition.Start;
}
