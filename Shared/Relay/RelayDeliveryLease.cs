using Azure;

namespace FunctionsDashboard.Relay;

/// <summary>
/// The delivery lease of one stream: across instances, only the holder sends the stream, so two instances that both
/// commit to it cannot interleave at clients (docs/relay-delivery.md, "Two instances"). The lease lives in the stream's
/// watermark row (<see cref="DeliveryStateStore"/>: <c>Owner</c>, <c>LeaseUntil</c>), is taken and renewed only by
/// ETag-conditioned writes (so two instances can never both win), is renewed by the watermark writes the sender does
/// anyway (at most every second while busy), and is released, with the watermark, when the stream has been idle for
/// <see cref="Linger"/>. The holder sends whatever the log has (its own commits from the fast path, the others' read from
/// the log); a non-holder waits, polling the row every <see cref="Poll"/> and taking the watermark the holder wrote,
/// until the work is done or the lease is free. Used by one stream's loop only (never concurrently).
/// </summary>
internal sealed class RelayDeliveryLease(string stream, RelayDeliveryStreams owner)
{
    /// <summary>How long a lease lasts unless renewed (a crashed holder blocks its streams this long at most).</summary>
    internal static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);

    /// <summary>A holder stops sending this long before its lease ends by the row (clock skew and write latency).</summary>
    internal static readonly TimeSpan Margin = TimeSpan.FromSeconds(3);

    /// <summary>An idle holder keeps the lease this long before it releases it (a busy stream is not re-leased per event).</summary>
    internal static readonly TimeSpan Linger = TimeSpan.FromMilliseconds(300);

    /// <summary>How often a non-holder with work looks at the row.</summary>
    internal static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    private ETag? _etag;
    private bool _free; // the row at _etag was released (or ours): a conditional write on it may take the lease directly
    private bool _held;
    private long _validUntil;
    private long _renewAt;

    /// <summary>Whether this instance took the lease and has not given it up (it may have run out meanwhile).</summary>
    public bool Holding => _held;

    /// <summary>Whether this instance holds the lease and may still send under it.</summary>
    public bool Held => _held && owner.Time.GetTimestamp() < _validUntil;

    /// <summary>Whether the lease is held but should be renewed before the next send.</summary>
    public bool Renewable => _held && owner.Time.GetTimestamp() >= _renewAt;

    /// <summary>Remembers the row as read when the stream's sender loaded its watermark.</summary>
    public void Observe(DeliveryLeaseRow? row)
    {
        _etag = row?.ETag;
        _free = row is null || row.Owner.Length == 0 || row.Owner == owner.InstanceId;
    }

    /// <summary>
    /// Takes (or renews) the lease, writing <paramref name="settled"/> as the watermark when the row's is lower. When
    /// another instance holds it, returns not held with the row's watermark (the holder may have sent this instance's
    /// events already). Throws when storage fails.
    /// </summary>
    public async Task<LeaseState> AcquireAsync(long settled, string generation, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            if (_free || _held)
            {
                // The row as last seen allows it: one conditional write takes the lease (412: someone wrote it since).
                if (await TryWriteAsync(settled, generation, owner.InstanceId, cancellationToken))
                {
                    return new LeaseState(true, settled);
                }
            }

            var row = await owner.States.ReadLeaseAsync(stream, cancellationToken);
            var through = row is not null && row.Generation == generation ? row.Through : 0;
            Observe(row);
            if (row is not null && !_free && row.LeaseUntil > owner.Time.GetUtcNow())
            {
                _held = false;
                return new LeaseState(false, through); // another instance holds it
            }

            _free = true; // released, expired, or ours
            if (await TryWriteAsync(Math.Max(settled, through), generation, owner.InstanceId, cancellationToken))
            {
                return new LeaseState(true, Math.Max(settled, through));
            }
        }

        _held = false;
        return new LeaseState(false, 0); // contended right now: the caller polls again
    }

    /// <summary>Writes the watermark under the lease (renewing it). False when the lease was lost (the row changed).</summary>
    public Task<bool> SaveAsync(long settled, string generation, CancellationToken cancellationToken) =>
        _held ? TryWriteAsync(settled, generation, owner.InstanceId, cancellationToken) : Task.FromResult(false);

    /// <summary>Writes the watermark and gives the lease up (idle, or the host is stopping).</summary>
    public async Task ReleaseAsync(long settled, string generation, CancellationToken cancellationToken)
    {
        if (!_held)
        {
            return;
        }

        if (!await TryWriteAsync(settled, generation, "", cancellationToken))
        {
            // An earlier write of ours may have landed after all (its request was cancelled or timed out, so the ETag we
            // hold is stale): if the row still names this instance, release it on the row's own ETag.
            var row = await owner.States.ReadLeaseAsync(stream, cancellationToken);
            if (row is not null && row.Owner == owner.InstanceId)
            {
                Observe(row);
                await TryWriteAsync(Math.Max(settled, row.Generation == generation ? row.Through : 0), generation, "", cancellationToken);
            }
        }

        _held = false;
    }

    private async Task<bool> TryWriteAsync(long through, string generation, string holder, CancellationToken cancellationToken)
    {
        var started = owner.Time.GetTimestamp();
        var until = holder.Length == 0 ? owner.Time.GetUtcNow() : owner.Time.GetUtcNow() + Duration;
        var etag = await owner.States.TryWriteLeaseAsync(stream, through, generation, holder, until, _free || _held ? _etag : null, cancellationToken);
        if (etag is null)
        {
            _held = false;
            _free = false;
            return false;
        }

        _etag = etag;
        _free = true;
        _held = holder.Length > 0;
        _validUntil = started + Ticks(Duration - Margin);
        _renewAt = started + Ticks((Duration - Margin) / 2);
        return true;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * owner.Time.TimestampFrequency);
}
