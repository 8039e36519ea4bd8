using System.Globalization;
using FunctionsDashboard.Access;
using FunctionsDashboard.EventLog;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// Checks what SSE and the history API are asked for: the streams (names and patterns, bounded in number; unknown exact
/// names are a 400, unreadable ones a 403), and the cursor (malformed, forged or made for other streams: 400; older than
/// the checkpoints kept: a reset).
/// </summary>
public sealed class StreamReadPlanner(IEventLogReader reader, CursorCheckpoints checkpoints, StreamSigningKey key, IOptions<AccessOptions> accessOptions)
{
    /// <summary>The signing sub-key of cursors.</summary>
    public byte[] CursorKey => key.For("sse-cursor");

    /// <summary>Plans a read for a caller that may read <paramref name="readable"/>.</summary>
    public async Task<(ReadPlan? Plan, ReadProblem? Problem)> PlanAsync(StreamSet readable, IEnumerable<string?> streams, string? cursor, CancellationToken cancellationToken)
    {
        var (requested, problem) = StreamSelection.Parse(streams, accessOptions.Value.MaxStreamsPerRequest);
        if (requested is null)
        {
            return (null, new ReadProblem(400, "Bad stream list", problem!));
        }

        var exact = requested.ExactStreams.ToList();
        if (exact.Count > 0)
        {
            var known = (await reader.ListStreamsAsync(cancellationToken)).Select(h => h.Stream).ToHashSet(StringComparer.Ordinal);
            if (exact.FirstOrDefault(s => !known.Contains(s)) is { } unknown)
            {
                return (null, new ReadProblem(400, "Unknown stream", $"There is no stream '{unknown}'. Name streams that have events (GET /api/events/streams lists them), or follow a pattern such as '{unknown}*' to include it once it appears."));
            }

            if (exact.FirstOrDefault(s => !readable.Contains(s)) is { } forbidden)
            {
                return (null, new ReadProblem(403, "Stream not readable", $"You may not read stream '{forbidden}'."));
            }
        }

        var scope = requested.Intersect(readable);
        if (scope.IsEmpty)
        {
            return (null, new ReadProblem(403, "No readable stream", "None of the requested streams is one you may read."));
        }

        var hash = SseCursor.SubscriptionHash(requested.Key);
        if (string.IsNullOrEmpty(cursor))
        {
            return (new ReadPlan(requested, scope, hash, null), null);
        }

        if (cursor.Length <= 19 && cursor.All(char.IsAsciiDigit))
        {
            // The first version's Last-Event-ID: a seq of the one stream it served.
            if (exact.Count != 1 || requested.Patterns.Count != 1 || !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
            {
                return (null, new ReadProblem(400, "Bad cursor", "A plain sequence number resumes only a request that names exactly one stream (?stream=name); otherwise pass back the cursor this API sent."));
            }

            return (new ReadPlan(requested, scope, hash, new ReadResume(CursorCheckpoint.Empty, new Dictionary<string, StreamPosition> { [exact[0]] = new(null, seq) }, false)), null);
        }

        var (decoded, cursorProblem) = SseCursor.Decode(CursorKey, cursor);
        if (decoded is null)
        {
            return (null, new ReadProblem(400, "Bad cursor", cursorProblem!));
        }

        if (!decoded.SubscriptionHash.AsSpan().SequenceEqual(hash))
        {
            return (null, new ReadProblem(400, "Bad cursor", "This cursor was made for another set of streams: resume with the same ?stream= values it was made with, or start without a cursor."));
        }

        var checkpoint = await checkpoints.LoadAsync(decoded.CheckpointId, cancellationToken);
        var resume = checkpoint is null
            ? new ReadResume(CursorCheckpoint.Empty, new Dictionary<string, StreamPosition>(), Expired: true)
            : new ReadResume(checkpoint, decoded.Deltas, Expired: false);
        return (new ReadPlan(requested, scope, hash, resume), null);
    }
}
