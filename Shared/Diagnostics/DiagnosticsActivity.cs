using System.Globalization;
using Azure;
using Azure.Data.Tables;
using FunctionsDashboard.Options;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Diagnostics;

/// <summary>
/// The evidence the self-check needs from the hot paths: negotiates answered, upstream <c>connected</c> events received,
/// Event Grid handshakes and deliveries. Each hook is a lock and a few assignments; this instance's numbers are exact in
/// memory and written to one row of table <see cref="TableName"/> (partition <c>activity</c>, row = the instance) at most
/// once per <see cref="WriteInterval"/>, trailing edge (a change is written at the latest a minute later), in the
/// background and never retried in line. So any instance can judge the others', at most a minute behind.
/// </summary>
public sealed partial class DiagnosticsActivity : IDisposable
{
    /// <summary>The table (base name; <c>Storage:Prefix</c> applies).</summary>
    public const string TableName = "diagnostics";

    /// <summary>At most one durable write per instance this often.</summary>
    public static readonly TimeSpan WriteInterval = TimeSpan.FromMinutes(1);

    /// <summary>Rows of instances silent for this long are ignored and removed.</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromDays(7);

    internal const string Partition = "activity";
    private const int MaxSamples = 8;

    private readonly Lock _gate = new();
    private readonly DashboardStorage _storage;
    private readonly TimeProvider _time;
    private readonly IOptions<DashboardOptions> _dashboard;
    private readonly ILogger<DiagnosticsActivity> _logger;
    private readonly List<DateTimeOffset> _unanswered = [];
    private long _negotiates;
    private long _connected;
    private DateTimeOffset? _lastNegotiate;
    private DateTimeOffset? _lastConnected;
    private DateTimeOffset? _lastHandshake;
    private DateTimeOffset? _lastDelivery;
    private bool _dirty;
    private bool _writing;
    private bool _written;
    private long _lastWrite;
    private ITimer? _timer;
    private bool _disposed;

    /// <summary>Creates the recorder of this instance.</summary>
    public DiagnosticsActivity(DashboardStorage storage, TimeProvider timeProvider, IOptions<DashboardOptions> dashboard, ILogger<DiagnosticsActivity> logger)
    {
        _storage = storage;
        _time = timeProvider;
        _dashboard = dashboard;
        _logger = logger;
        var host = Environment.GetEnvironmentVariable("WEBSITE_INSTANCE_ID") is { Length: > 0 } id ? id : Environment.MachineName;
        Instance = $"{Sanitize(host)}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>This instance's name in the table.</summary>
    public string Instance { get; }

    /// <summary>Hook: negotiate handed out a connection.</summary>
    public void Negotiated()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _negotiates++;
            _lastNegotiate = now;
            var spacing = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(5).Ticks, _dashboard.Value.StaleTimeout.Ticks / 4));
            if (_unanswered.Count == 0 || now - _unanswered[^1] >= spacing)
            {
                _unanswered.Add(now);
                if (_unanswered.Count > MaxSamples)
                {
                    _unanswered.RemoveAt(0);
                }
            }

            ChangedLocked();
        }
    }

    /// <summary>Hook: the SignalR Service called upstream <c>connections/connected</c>.</summary>
    public void UpstreamConnected()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _connected++;
            _lastConnected = now;
            _unanswered.Clear();
            ChangedLocked();
        }
    }

    /// <summary>Hook: an Event Grid subscription validation handshake was answered (either schema).</summary>
    public void EventGridHandshake()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _lastHandshake = now;
            ChangedLocked();
        }
    }

    /// <summary>Hook: an Event Grid delivery was acknowledged (the events are in the log).</summary>
    public void EventGridDelivery()
    {
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            _lastDelivery = now;
            ChangedLocked();
        }
    }

    /// <summary>This instance's activity, exact.</summary>
    public InstanceActivity Local()
    {
        lock (_gate)
        {
            return SnapshotLocked();
        }
    }

    /// <summary>
    /// This instance's activity and every other instance's row written within <see cref="ForgetAfter"/>; when the table
    /// cannot be read, this instance's only, with the reason.
    /// </summary>
    public async Task<ActivityView> ReadAsync(CancellationToken cancellationToken)
    {
        var local = Local();
        var all = new List<InstanceActivity> { local };
        var forgotten = new List<TableEntity>();
        try
        {
            var table = _storage.SingleTryTable(TableName);
            await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {Partition}"), cancellationToken: cancellationToken))
            {
                if (entity.RowKey == Instance)
                {
                    continue;
                }

                var row = FromEntity(entity);
                if (local.AsOf - row.AsOf > ForgetAfter)
                {
                    forgotten.Add(entity);
                }
                else
                {
                    all.Add(row);
                }
            }
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or InvalidOperationException or AggregateException
            || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new ActivityView(all, Describe(e));
        }

        foreach (var entity in forgotten)
        {
            _ = ForgetAsync(entity);
        }

        return new ActivityView(all, null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>A short, secret-free description of a storage failure.</summary>
    internal static string Describe(Exception e) => e switch
    {
        RequestFailedException { Status: > 0 } r => $"storage answered {r.Status} {r.ErrorCode}",
        RequestFailedException r when r.InnerException is { } inner => $"storage unreachable ({inner.GetType().Name}: {Hardening.LogValue.Bounded(inner.Message, 120)})",
        AggregateException { InnerExceptions: [var first, ..] } => Describe(first),
        OperationCanceledException => "storage did not answer in time",
        _ => $"storage unreachable ({e.GetType().Name})",
    };

    private void ChangedLocked()
    {
        _dirty = true;
        if (_writing || _timer is not null || _disposed)
        {
            return;
        }

        var wait = _written ? WriteInterval - _time.GetElapsedTime(_lastWrite) : TimeSpan.Zero;
        if (wait <= TimeSpan.Zero)
        {
            _writing = true;
            _ = WriteAsync();
        }
        else
        {
            _timer = _time.CreateTimer(static s => ((DiagnosticsActivity)s!).OnTimer(), this, wait, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
            if (!_dirty || _writing || _disposed)
            {
                return;
            }

            _writing = true;
        }

        _ = WriteAsync();
    }

    private async Task WriteAsync()
    {
        InstanceActivity snapshot;
        lock (_gate)
        {
            snapshot = SnapshotLocked();
            _dirty = false;
            _written = true;
            _lastWrite = _time.GetTimestamp(); // the interval counts from the write's start
        }

        try
        {
            await Task.Yield(); // never on the caller's hot path
            using var timeout = new CancellationTokenSource(_dashboard.Value.ConnectionTimeout, _time);
            await _storage.SingleTryTable(TableName).UpsertEntityAsync(ToEntity(snapshot), TableUpdateMode.Replace, timeout.Token);
        }
        catch (Exception e)
        {
            // Best effort: the next change (or the retry below) writes again; the self-check says when storage is down.
            Log.WriteFailed(_logger, Describe(e));
            lock (_gate)
            {
                _dirty = true;
            }
        }
        finally
        {
            lock (_gate)
            {
                _writing = false;
                if (_dirty)
                {
                    ChangedLocked();
                }
            }
        }
    }

    private async Task ForgetAsync(TableEntity entity)
    {
        try
        {
            using var timeout = new CancellationTokenSource(_dashboard.Value.ConnectionTimeout, _time);
            await _storage.SingleTryTable(TableName).DeleteEntityAsync(entity.PartitionKey, entity.RowKey, entity.ETag, timeout.Token);
        }
        catch (Exception e)
        {
            Log.WriteFailed(_logger, Describe(e));
        }
    }

    private InstanceActivity SnapshotLocked() =>
        new(Instance, _time.GetUtcNow(), _negotiates, _connected, _lastNegotiate, [.. _unanswered], _lastConnected, _lastHandshake, _lastDelivery);

    private static TableEntity ToEntity(InstanceActivity a) => new(Partition, a.Instance)
    {
        ["AsOf"] = a.AsOf,
        ["Negotiates"] = a.Negotiates,
        ["Connected"] = a.Connected,
        ["LastNegotiateAt"] = a.LastNegotiateAt,
        ["Unanswered"] = string.Join(',', a.UnansweredNegotiates.Select(t => t.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture))),
        ["LastConnectedAt"] = a.LastConnectedAt,
        ["LastHandshakeAt"] = a.LastHandshakeAt,
        ["LastDeliveryAt"] = a.LastDeliveryAt,
    };

    private static InstanceActivity FromEntity(TableEntity e) => new(
        e.RowKey,
        e.GetDateTimeOffset("AsOf") ?? e.Timestamp ?? DateTimeOffset.MinValue,
        e.GetInt64("Negotiates") ?? 0,
        e.GetInt64("Connected") ?? 0,
        e.GetDateTimeOffset("LastNegotiateAt"),
        (e.GetString("Unanswered") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms) ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null)
            .OfType<DateTimeOffset>().ToList(),
        e.GetDateTimeOffset("LastConnectedAt"),
        e.GetDateTimeOffset("LastHandshakeAt"),
        e.GetDateTimeOffset("LastDeliveryAt"));

    private static string Sanitize(string value)
    {
        var chars = value.Where(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.').Take(64).ToArray();
        return chars.Length == 0 ? "instance" : new string(chars);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 3610, EventName = "DiagnosticsActivityWriteFailed", Level = LogLevel.Debug, Message = "Self-check activity row not written: {Reason}")]
        public static partial void WriteFailed(ILogger logger, string reason);
    }
}
