using System.Collections.Concurrent;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Relay;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;

namespace FunctionsDashboard.Access;

/// <summary>
/// SignalR delivery by subscription: each dashboard connection joins exactly one group, named after its effective
/// subscription (the streams it follows ∩ the streams it may read; <c>sub-</c> + 16 hex digits of the canonical set's
/// hash). An event of stream S goes to every known group whose set contains S. Because a connection is in one group
/// only, no connection gets an event twice; because a group's set is patterns, streams that appear later are covered
/// without any join. Sends per event = distinct subscriptions that match (not connections); joins per connection = 1.
/// Groups are recorded in table <see cref="TableName"/> (negotiate writes a new one before handing out the token), and
/// every instance refreshes its view at least every <see cref="RefreshInterval"/>.
/// </summary>
public sealed partial class SubscriptionGroups(DashboardStorage storage, TimeProvider timeProvider, ILogger<SubscriptionGroups> logger) : IEventAudience
{
    /// <summary>The table of known groups.</summary>
    public const string TableName = "subscriptiongroups";

    /// <summary>The group name prefix.</summary>
    public const string Prefix = "sub-";

    /// <summary>The claim in the client token that names the connection's group.</summary>
    public const string GroupClaim = "dash.grp";

    /// <summary>How stale an instance's view of the groups may get.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    private const string Partition = "g";
    private const int MaxNamesCached = 10_000;
    private readonly ConcurrentDictionary<string, StreamSet> _groups = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, EventTargets> _targets = new(StringComparer.Ordinal);

    /// <summary>Recorded groups by their subscription's canonical text (bounded: subscriptions come from requests).</summary>
    private readonly ConcurrentDictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private long _refreshedAt = long.MinValue;
    private int _refreshing;

    /// <summary>The group of a subscription.</summary>
    public static string NameOf(StreamSet subscription) => Prefix + subscription.Hash();

    /// <summary>
    /// The group of a subscription this instance has recorded, by its canonical text (no hash per negotiate); null
    /// when it has not recorded it yet.
    /// </summary>
    private string? KnownNameOf(StreamSet subscription) =>
        _names.TryGetValue(subscription.Key, out var name) ? name : null;

    /// <summary>The groups this instance knows, with their sets.</summary>
    public IReadOnlyDictionary<string, StreamSet> Known => _groups;

    /// <summary>Makes sure the group of <paramref name="subscription"/> is recorded (once per instance); returns its name.</summary>
    public ValueTask<string> EnsureAsync(StreamSet subscription, CancellationToken cancellationToken) =>
        KnownNameOf(subscription) is { } known ? ValueTask.FromResult(known) : RecordAsync(subscription, cancellationToken);

    private async ValueTask<string> RecordAsync(StreamSet subscription, CancellationToken cancellationToken)
    {
        var name = NameOf(subscription);
        if (!_groups.ContainsKey(name))
        {
            var entity = new TableEntity(Partition, name) { ["Streams"] = subscription.Key };
            await storage.Table(TableName).UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken);
            Add(name, subscription);
        }

        if (_names.Count >= MaxNamesCached)
        {
            _names.Clear();
        }

        _names[subscription.Key] = name;
        return name;
    }

    /// <inheritdoc />
    public async ValueTask<EventTargets> TargetsForAsync(string stream, CancellationToken cancellationToken)
    {
        var refreshedAt = Volatile.Read(ref _refreshedAt);
        if (refreshedAt == long.MinValue)
        {
            await RefreshAsync(cancellationToken);
        }
        else if (timeProvider.GetElapsedTime(refreshedAt) >= RefreshInterval && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
        {
            // A view exists: delivery does not wait for storage; the refresh runs beside it (one at a time).
            _ = RefreshBesideAsync();
        }

        return _targets.GetOrAdd(stream, static (s, groups) => new EventTargets(false, groups.Where(g => g.Value.Contains(s)).Select(g => g.Key).Order(StringComparer.Ordinal).ToList()), _groups);
    }

    private async Task RefreshBesideAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or TimeoutException or OperationCanceledException)
        {
            Log.RefreshFailed(logger, (e as RequestFailedException)?.Status ?? 0); // the current view stays
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    /// <summary>Reads the table into this instance's view.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_refreshedAt != long.MinValue && timeProvider.GetElapsedTime(_refreshedAt) < RefreshInterval)
            {
                return;
            }

            try
            {
                await foreach (var row in storage.Table(TableName).QueryAsync<TableEntity>(e => e.PartitionKey == Partition, select: ["RowKey", "Streams"], cancellationToken: cancellationToken))
                {
                    if (!_groups.ContainsKey(row.RowKey) && row.GetString("Streams") is { } key)
                    {
                        var patterns = key.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(StreamPattern.TryParse).ToList();
                        if (patterns.All(p => p is not null))
                        {
                            Add(row.RowKey, StreamSet.Of(patterns.Select(p => p!.Value)));
                        }
                    }
                }
            }
            catch (RequestFailedException e)
            {
                // Keep the current view; the next call tries again.
                Log.RefreshFailed(logger, e.Status);
                return;
            }

            Volatile.Write(ref _refreshedAt, timeProvider.GetTimestamp());
        }
        finally
        {
            _refresh.Release();
        }
    }

    private void Add(string name, StreamSet set)
    {
        if (_groups.TryAdd(name, set))
        {
            _targets.Clear();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6211, EventName = "SubscriptionGroupsRefreshFailed", Level = LogLevel.Warning, Message = "Could not read the subscription groups (status {Status}); keeping the current view")]
        public static partial void RefreshFailed(ILogger logger, int status);
    }
}
