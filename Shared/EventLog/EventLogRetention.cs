using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.EventLog;

/// <summary>
/// Retention: drops whole day buckets (table <c>evlog{day}</c> with its segments and markers, and container
/// <c>evpay{day}</c> one day later, since data spilled just before midnight is committed into the next day's bucket)
/// once the day is older than <see cref="EventLogOptions.Retention"/>, and an id-index window's table (<c>evidx{first day}</c>)
/// once all of its 7 days are. The work is two table listings, one directory query and one delete per expired day or
/// window: it does not grow with the number of events. A stream whose live head is still in an
/// expiring bucket (idle for longer than retention) has its head moved to today's bucket first, and the directory is
/// brought forward, so seqs continue and nobody looks for a head in a dropped table.
/// </summary>
public sealed class EventLogRetention
{
    private readonly EventLogStore _store;
    private readonly ILogger _logger;

    internal EventLogRetention(EventLogStore store, ILogger logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Drops the expired buckets; returns the days dropped.</summary>
    public async Task<IReadOnlyList<DateOnly>> SweepAsync(CancellationToken cancellationToken)
    {
        var firstRetained = _store.FirstRetainedDay;
        foreach (var stream in await _store.Directory.ListAsync(cancellationToken))
        {
            if (stream.Bucket >= firstRetained)
            {
                continue;
            }

            var head = await _store.FindHeadAsync(stream.Stream, stream.Bucket, forWrite: true, cancellationToken);
            if (head is null)
            {
                continue;
            }

            if (head.Bucket < firstRetained || head.Next is not null)
            {
                try
                {
                    head = await _store.MoveHeadAsync(head, _store.Today, cancellationToken);
                }
                catch (RequestFailedException e) when (e.Status is 409 or 412)
                {
                    continue; // a writer moved it meanwhile; the next sweep looks again
                }
            }

            await _store.Directory.WriteAsync(head, cancellationToken);
        }

        var dropped = new List<DateOnly>();
        var prefix = _store.Storage.Name(EventLogLayout.BucketTablePrefix);
        var filter = TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}");
        await foreach (var table in _store.Storage.Tables.QueryAsync(filter, cancellationToken: cancellationToken))
        {
            if (TryParseDay(table.Name, prefix, out var day) && day < firstRetained)
            {
                await _store.Storage.Tables.DeleteTableAsync(table.Name, cancellationToken);
                _store.Forget(day);
                dropped.Add(day);
                EventLogLog.BucketDropped(_logger, EventLogLayout.DayText(day), _store.Options.Retention.TotalDays);
            }
        }

        // The id index: a window's table goes once every day of the window has expired (its claims point at dropped
        // buckets only). It is never needed for Event Grid's 24 h after that: the next window's first day is ≥ 1 day past it.
        var index = _store.Storage.Name(EventLogLayout.IndexTablePrefix);
        var indexFilter = TableServiceClient.CreateQueryFilter($"TableName ge {index} and TableName lt {index + "~"}");
        await foreach (var table in _store.Storage.Tables.QueryAsync(indexFilter, cancellationToken: cancellationToken))
        {
            if (TryParseDay(table.Name, index, out var window) && EventLogLayout.IndexWindowEnd(window) < firstRetained)
            {
                await _store.Storage.Tables.DeleteTableAsync(table.Name, cancellationToken);
                _store.ForgetIndex(window);
                EventLogLog.IndexWindowDropped(_logger, EventLogLayout.DayText(window));
            }
        }

        var payloads = _store.Storage.Name(EventLogLayout.PayloadContainerPrefix);
        await foreach (var container in _store.Storage.Blobs.GetBlobContainersAsync(prefix: payloads, cancellationToken: cancellationToken))
        {
            if (TryParseDay(container.Name, payloads, out var day) && day < firstRetained.AddDays(-1))
            {
                await _store.Storage.Blobs.DeleteBlobContainerAsync(container.Name, cancellationToken: cancellationToken);
            }
        }

        return dropped;
    }

    private static bool TryParseDay(string name, string prefix, out DateOnly day)
    {
        day = default;
        return name.Length == prefix.Length + 8
            && name.StartsWith(prefix, StringComparison.Ordinal)
            && DateOnly.TryParseExact(name[prefix.Length..], "yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out day);
    }
}
