using FunctionsDashboard.Relay;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// The outbox sweep: hands off again every committed range that has been pending for longer than
/// <see cref="RelayOptions.PendingGrace"/> (its writer crashed between commit and hand-off, or the hand-off failed and
/// Event Grid gave up). One directory query, then one head read per stream; the hand-off itself goes through the
/// stream's writer on this instance, so it never races this instance's own outbox removal.
/// </summary>
public sealed class EventLogRecovery
{
    private readonly EventLogStore _store;
    private readonly EventLogWriter _writer;
    private readonly RelayOptions _options;
    private readonly TimeProvider _timeProvider;

    internal EventLogRecovery(EventLogStore store, EventLogWriter writer, IOptions<RelayOptions> options, TimeProvider timeProvider)
    {
        _store = store;
        _writer = writer;
        _options = options.Value;
        _timeProvider = timeProvider;
    }

    /// <summary>Hands off the ranges pending since before the grace; returns how many.</summary>
    public async Task<int> RecoverPendingAsync(CancellationToken cancellationToken)
    {
        var cutoff = _timeProvider.GetUtcNow() - _options.PendingGrace;
        var recovered = 0;
        foreach (var stream in await _store.Directory.ListAsync(cancellationToken))
        {
            var head = await _store.FindHeadAsync(stream.Stream, stream.Bucket, forWrite: false, cancellationToken);
            if (head is not null && head.Pending.Any(r => r.Since <= cutoff))
            {
                recovered += await _writer.RecoverAsync(stream.Stream, cutoff, cancellationToken);
            }
        }

        return recovered;
    }
}
