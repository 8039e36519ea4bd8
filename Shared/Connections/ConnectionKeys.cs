using System.Globalization;
using System.Text;
using FunctionsDashboard.Options;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Connections;

/// <summary>
/// Where a connection's row lives: its shard partition (<c>s000</c>..., a stable hash of the connection id over
/// <see cref="ConnectionRegistryOptions.Shards"/>) and its key <c>e|{epoch start:D19}|{escaped id}</c>, the start of the
/// last-seen epoch first, so a partition's rows are ordered by when their connection was last seen, to the epoch
/// (docs/connections.md).
/// </summary>
public sealed class ConnectionKeys
{
    /// <summary>The first key of a connection row (every row key starts with it).</summary>
    internal const string KeyPrefix = "e|";

    /// <summary>A key after every connection row's key.</summary>
    internal const string KeyPrefixEnd = "e}";

    /// <summary>Creates the layout from the options.</summary>
    public ConnectionKeys(IOptions<ConnectionRegistryOptions> options, IOptions<DashboardOptions> dashboardOptions)
    {
        Shards = options.Value.Shards;
        var d = dashboardOptions.Value;
        Epoch = EpochLength(d.StaleTimeout, d.HeartbeatInterval);
        EpochTicks = Epoch.Ticks;
    }

    /// <summary>
    /// Length of a last-seen epoch: <c>StaleTimeout − 2 × HeartbeatInterval</c> (40 s by default), at least a quarter of
    /// the stale timeout. A connection that heartbeats is keyed under the epoch of its last heartbeat, at most one
    /// heartbeat interval ago, so its epoch began after <c>now − HeartbeatInterval − Epoch</c> = <c>cutoff +
    /// HeartbeatInterval</c>: never in the sweep's range, with a whole heartbeat interval to spare for late heartbeats.
    /// </summary>
    public TimeSpan Epoch { get; }

    /// <summary><see cref="Epoch"/> in ticks.</summary>
    internal long EpochTicks { get; }

    /// <summary>The number of shard partitions.</summary>
    internal int Shards { get; }

    /// <summary>The epoch length for the given settings (see <see cref="Epoch"/>).</summary>
    internal static TimeSpan EpochLength(TimeSpan staleTimeout, TimeSpan heartbeatInterval) =>
        staleTimeout - (2 * heartbeatInterval) is var e && e >= staleTimeout / 4 ? e : staleTimeout / 4;

    /// <summary>The start (UTC ticks) of the epoch <paramref name="time"/> is in.</summary>
    internal long EpochStart(DateTimeOffset time) => time.UtcTicks - (time.UtcTicks % EpochTicks);

    /// <summary>The shard partition of a connection.</summary>
    internal string Partition(string connectionId) => PartitionName((int)(Fnv1a(connectionId) % (uint)Shards));

    /// <summary>The partition of shard <paramref name="shard"/>.</summary>
    internal static string PartitionName(int shard) => "s" + shard.ToString("D3", CultureInfo.InvariantCulture);

    /// <summary>The key of a connection's row under the epoch that starts at <paramref name="epochStart"/>.</summary>
    internal static string RowKey(long epochStart, string connectionId) => EpochBound(epochStart) + "|" + EncodeKey(connectionId);

    /// <summary>The key before every row of epochs starting at or after <paramref name="ticks"/> (a range bound).</summary>
    internal static string EpochBound(long ticks) => KeyPrefix + ticks.ToString("D19", CultureInfo.InvariantCulture);

    /// <summary>The epoch start of a row key <c>e|{ticks:D19}|{id}</c>.</summary>
    internal static long EpochOf(string rowKey) => long.Parse(rowKey.AsSpan(KeyPrefix.Length, 19), CultureInfo.InvariantCulture);

    /// <summary>Stable across processes (string.GetHashCode is not).</summary>
    internal static uint Fnv1a(string value)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return hash;
    }

    /// <summary>Escapes the characters Table keys forbid (<c>/ \ # ?</c>, control characters) and the escape itself.</summary>
    internal static string EncodeKey(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is '/' or '\\' or '#' or '?' or '~' or '|' || char.IsControl(c))
            {
                sb.Append('~').Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
