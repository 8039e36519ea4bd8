using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure.Data.Tables;
using FunctionsDashboard.EventLog;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace FunctionsDashboard.Bench;

/// <summary>
/// Prune cost at N stored events (issue 11 items 2 and 5). The log holds N events over 8 day buckets (7 retained + 1
/// expiring), written on a bench clock: 4 live streams through the real writer every day (heads, rollovers, directory:
/// the sweep's own work) and the bulk seeded as the real layout's rows, one segment of 500 events + its marker per commit
/// (<see cref="SegmentCodec"/>, <see cref="EventLogLayout"/>), 40 commits per entity-group transaction, 4 transactions
/// in flight: that is how 5 M events are stored in under a minute. Then, at day 8: the baseline, deleting one day's rows
/// one by one (key query + 100-entity delete transactions, what per-event expiry would cost), timed on day 1, which has
/// as many rows as the expiring day 0; and the retention sweep itself (<see cref="EventLogRetention.SweepAsync"/>), which
/// drops day 0 whole, then the same sweep again with nothing to drop.
/// </summary>
internal static class PruneBenchmark
{
    private const int Days = 8;
    private const int LiveStreams = 4;
    private const int BulkPartitions = 8;
    private const int EventsPerSegment = 500;
    private const int CommitsPerTransaction = 40;

    public static string Header =>
        "| stored events | rows in one day's bucket | seed rate (events/s) | baseline: delete one day row by row | retention sweep (drops the expired day) | sweep again (nothing to drop) |\n" +
        "|---:|---:|---:|---:|---:|---:|";

    public static async Task<string> RunAsync(string storage, int events)
    {
        var prefix = "p" + Guid.NewGuid().ToString("N")[..8];
        var clock = new BenchClock(new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero));
        using var host = await RelayHost.StartAsync(storage, prefix);
        var log = ActivatorUtilities.CreateInstance<RelayEventLog>(host.Services, EventLogCommitListeners.Of(), (TimeProvider)clock);
        var dashboardStorage = host.Services.GetRequiredService<DashboardStorage>();
        var perDay = events / Days;
        var seqs = new long[BulkPartitions];
        var seeding = Stopwatch.StartNew();
        for (var day = 0; day < Days; day++)
        {
            var today = EventLogLayout.DayOf(clock.GetUtcNow());
            for (var s = 0; s < LiveStreams; s++)
            {
                await log.AppendAsync([Event($"live{s}", $"live{s}-d{day}", day)], CancellationToken.None);
            }

            var table = dashboardStorage.Table(EventLogLayout.BucketTable(today));
            await table.CreateIfNotExistsAsync();
            var transactions = new List<List<TableTransactionAction>>();
            for (var p = 0; p < BulkPartitions; p++)
            {
                var stream = $"bulk{p}";
                var actions = new List<TableTransactionAction>();
                for (var n = p; n < perDay / EventsPerSegment; n += BulkPartitions)
                {
                    var first = seqs[p] + 1;
                    var batch = Enumerable.Range(0, EventsPerSegment).Select(i => ((IncomingEvent)Event(stream, $"{stream}-{first + i}", first + i), (string?)null)).ToList();
                    var token = EventLogLayout.NewToken();
                    seqs[p] += EventsPerSegment;
                    actions.Add(new(TableTransactionActionType.Add, EventLogLayout.Segment(stream, first, seqs[p], token, SegmentCodec.Encode(batch), clock.GetUtcNow())));
                    actions.Add(new(TableTransactionActionType.Add, EventLogLayout.Marker(stream, token, first, seqs[p])));
                    if (actions.Count == CommitsPerTransaction * 2)
                    {
                        transactions.Add(actions);
                        actions = [];
                    }
                }

                if (actions.Count > 0)
                {
                    transactions.Add(actions);
                }
            }

            await Parallel.ForEachAsync(transactions, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (t, ct) => await table.SubmitTransactionAsync(t, ct));
            clock.Advance(TimeSpan.FromDays(1));
        }

        seeding.Stop();
        var stored = seqs.Sum() + (Days * LiveStreams);

        // Now day 8: day 0 is older than the 7-day retention. Baseline on day 1 (same size), row by row.
        var baseline = Stopwatch.StartNew();
        var day1 = dashboardStorage.Table(EventLogLayout.BucketTable(EventLogLayout.DayOf(clock.GetUtcNow().AddDays(-7))));
        var deleted = 0;
        var deleteTransactions = 0;
        await foreach (var partition in Keys(day1).GroupBy(k => k.PartitionKey))
        {
            foreach (var chunk in partition.Chunk(100))
            {
                await day1.SubmitTransactionAsync(chunk.Select(k => new TableTransactionAction(TableTransactionActionType.Delete, k)));
                deleted += chunk.Length;
                deleteTransactions++;
            }
        }

        baseline.Stop();
        var sweep = Stopwatch.StartNew();
        var dropped = await log.Retention.SweepAsync(CancellationToken.None);
        sweep.Stop();
        var again = Stopwatch.StartNew();
        var droppedAgain = await log.Retention.SweepAsync(CancellationToken.None);
        again.Stop();
        if (dropped.Count != 1 || droppedAgain.Count != 0)
        {
            throw new InvalidOperationException($"expected one day dropped, then none; got {dropped.Count}, then {droppedAgain.Count}");
        }

        await log.DisposeAsync();
        await DropAllAsync(dashboardStorage, prefix);
        return string.Create(CultureInfo.InvariantCulture,
            $"| {stored:N0} | {deleted:N0} ({perDay:N0} events) | {stored / seeding.Elapsed.TotalSeconds:N0} | {baseline.Elapsed.TotalMilliseconds:N0} ms ({deleted:N0} rows, {deleteTransactions} transactions + the key query) | **{sweep.Elapsed.TotalMilliseconds:N0} ms** (1 table dropped) | {again.Elapsed.TotalMilliseconds:N0} ms |");
    }

    private static IncomingEvent Event(string stream, string id, long n) =>
        new(id, stream, "ops.metric", "/" + stream, null, new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero),
            Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""{"v":{{n}}}""")), DataIsBase64: false, EventSchema.CloudEvents);

    private static async IAsyncEnumerable<TableEntity> Keys(TableClient table)
    {
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"], maxPerPage: 1000))
        {
            rows.Add(row);
        }

        foreach (var row in rows)
        {
            yield return row;
        }
    }

    private static async Task DropAllAsync(DashboardStorage storage, string prefix)
    {
        var filter = TableServiceClient.CreateQueryFilter($"TableName ge {prefix} and TableName lt {prefix + "~"}");
        await foreach (var table in storage.Tables.QueryAsync(filter))
        {
            await storage.Tables.DeleteTableAsync(table.Name);
        }
    }

    /// <summary>The bench's clock: days pass when the benchmark says so (timers run on real time).</summary>
    private sealed class BenchClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }
}
