using System.Collections.Immutable;

namespace FunctionsDashboard.Sse;

/// <summary>
/// Where one reader (an SSE response, a history call) stands in every stream of its subscription, as a cursor sees it:
/// a base checkpoint plus the streams that differ from it. Keeps the difference within the cursor's bounds by moving to
/// a newer checkpoint: one the fan-out wrote at a point this reader has passed (free), or its own (one blob write).
/// </summary>
public sealed class CursorState
{
    private readonly byte[] _key;
    private readonly byte[] _subscriptionHash;
    private Dictionary<string, StreamPosition>? _dirty;
    private Task<CursorCheckpoint>? _candidate;
    private Dictionary<string, StreamPosition>? _sinceCandidate;

    /// <summary>Creates the state at <paramref name="checkpoint"/> + <paramref name="deltas"/>.</summary>
    public CursorState(byte[] key, byte[] subscriptionHash, CursorCheckpoint checkpoint, IEnumerable<KeyValuePair<string, StreamPosition>>? deltas = null)
    {
        _key = key;
        _subscriptionHash = subscriptionHash;
        Base = checkpoint;
        foreach (var (stream, position) in deltas ?? [])
        {
            Advance(stream, position);
        }
    }

    /// <summary>The checkpoint the cursor refers to.</summary>
    public CursorCheckpoint Base { get; private set; }

    /// <summary>True when the cursor would exceed its bounds: call <see cref="CheckpointAsync"/>.</summary>
    public bool OverBound
    {
        get
        {
            if (_dirty is null)
            {
                return false;
            }

            if (_dirty.Count > SseCursor.MaxDeltas)
            {
                return true;
            }

            var bytes = 0;
            foreach (var (s, p) in _dirty)
            {
                bytes += SseCursor.DeltaBytes(s, p);
            }

            return bytes > SseCursor.MaxDeltaBytes;
        }
    }

    /// <summary>The position in <paramref name="stream"/>.</summary>
    public StreamPosition PositionOf(string stream) =>
        _dirty is not null && _dirty.TryGetValue(stream, out var p) ? p : Base.PositionOf(stream);

    /// <summary>Records that the reader is now at <paramref name="position"/> in <paramref name="stream"/>.</summary>
    public void Advance(string stream, StreamPosition position)
    {
        if (Base.PositionOf(stream) == position)
        {
            _dirty?.Remove(stream);
        }
        else
        {
            (_dirty ??= new Dictionary<string, StreamPosition>(StringComparer.Ordinal))[stream] = position;
        }

        if (_sinceCandidate is not null)
        {
            _sinceCandidate[stream] = position;
        }
    }

    /// <summary>
    /// The fan-out wrote a checkpoint of exactly the positions this reader has now (in its subscription's streams): move
    /// to it once it is durable.
    /// </summary>
    public void OnFanoutCheckpoint(Task<CursorCheckpoint> checkpoint)
    {
        _candidate = checkpoint;
        _sinceCandidate = new Dictionary<string, StreamPosition>(StringComparer.Ordinal);
        Promote();
    }

    /// <summary>Moves to the pending fan-out checkpoint if it is durable by now.</summary>
    public void Promote()
    {
        if (_candidate is not { IsCompleted: true } candidate)
        {
            return;
        }

        if (candidate.IsCompletedSuccessfully)
        {
            Base = candidate.Result;
            _dirty = null;
            foreach (var (s, p) in _sinceCandidate!)
            {
                if (Base.PositionOf(s) != p)
                {
                    (_dirty ??= new Dictionary<string, StreamPosition>(StringComparer.Ordinal))[s] = p;
                }
            }
        }

        _candidate = null;
        _sinceCandidate = null;
    }

    /// <summary>Writes this reader's own checkpoint (base + deltas) and moves to it.</summary>
    public async Task CheckpointAsync(CursorCheckpoints store, CancellationToken cancellationToken)
    {
        var vector = _dirty is null ? Base.Vector : Base.Vector.SetItems(_dirty);
        Base = await store.SaveAsync(vector, cancellationToken);
        _dirty = null;
    }

    /// <summary>The cursor text.</summary>
    public string Encode() => SseCursor.Encode(_key, _subscriptionHash, Base.Id, (IEnumerable<KeyValuePair<string, StreamPosition>>?)_dirty ?? []);

    /// <summary>What <see cref="Encode"/> encodes, to tell whether another reader's cursor text is this one's.</summary>
    internal CursorSignature Signature() => new(_key, _subscriptionHash, Base.Id, _dirty is null ? [] : [.. _dirty]);

    /// <summary>True when this state encodes as <paramref name="signature"/> does (same key, subscription, checkpoint and deltas).</summary>
    internal bool Matches(CursorSignature signature)
    {
        if (!string.Equals(signature.CheckpointId, Base.Id, StringComparison.Ordinal)
            || signature.Deltas.Length != (_dirty?.Count ?? 0)
            || (!ReferenceEquals(signature.Key, _key) && !signature.Key.AsSpan().SequenceEqual(_key))
            || !signature.SubscriptionHash.AsSpan().SequenceEqual(_subscriptionHash))
        {
            return false;
        }

        foreach (var (stream, position) in signature.Deltas)
        {
            if (!_dirty!.TryGetValue(stream, out var p) || p != position)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The positions of <paramref name="streams"/>.</summary>
    public ImmutableDictionary<string, StreamPosition> Snapshot(IEnumerable<string> streams) =>
        streams.ToImmutableDictionary(s => s, PositionOf, StringComparer.Ordinal);

    /// <summary>The content of a cursor: equal signatures encode to equivalent cursors.</summary>
    /// <param name="Key">The signing key.</param>
    /// <param name="SubscriptionHash">The subscription's hash.</param>
    /// <param name="CheckpointId">The base checkpoint.</param>
    /// <param name="Deltas">The streams listed beside it.</param>
    internal sealed record CursorSignature(byte[] Key, byte[] SubscriptionHash, string CheckpointId, KeyValuePair<string, StreamPosition>[] Deltas);
}
