using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Azure;
using FunctionsDashboard.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FunctionsDashboard.Sse;

/// <summary>
/// Stores the checkpoints cursors refer to: one blob per checkpoint in container <see cref="ContainerName"/>, named
/// <c>{yyyyMMddHHmmss}-{random}</c> so pruning by age is a listing. Checkpoints are immutable, so this instance keeps
/// the recent ones in memory (bounded) and reads others once. They live <see cref="SseOptions.CursorRetention"/>; a
/// cursor whose checkpoint is gone is answered with a reset, as for events the log no longer holds.
/// </summary>
public sealed partial class CursorCheckpoints(DashboardStorage storage, IOptions<SseOptions> options, TimeProvider timeProvider, ILogger<CursorCheckpoints> logger)
{
    /// <summary>The container.</summary>
    public const string ContainerName = "sse-checkpoints";

    private const int CacheCapacity = 256;
    private readonly ConcurrentDictionary<string, CursorCheckpoint> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _cacheOrder = new();

    /// <summary>Checkpoints written by this instance, for diagnostics and the benchmark.</summary>
    public long Written => Interlocked.Read(ref _written);

    private long _written;

    /// <summary>Stores <paramref name="vector"/>; returns the checkpoint.</summary>
    public async Task<CursorCheckpoint> SaveAsync(ImmutableDictionary<string, StreamPosition> vector, CancellationToken cancellationToken)
    {
        var id = timeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture) + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var rows = vector.Select(p => new object?[] { p.Key, p.Value.Generation, p.Value.Seq }).ToList();
        var json = JsonSerializer.SerializeToUtf8Bytes(rows);
        await storage.Container(ContainerName).GetBlobClient(id).UploadAsync(BinaryData.FromBytes(json), overwrite: false, cancellationToken);
        Interlocked.Increment(ref _written);
        var checkpoint = new CursorCheckpoint(id, vector);
        Remember(checkpoint);
        return checkpoint;
    }

    /// <summary>The checkpoint <paramref name="id"/>, or null when it no longer exists.</summary>
    public async ValueTask<CursorCheckpoint?> LoadAsync(string id, CancellationToken cancellationToken)
    {
        if (id == CursorCheckpoint.EmptyId)
        {
            return CursorCheckpoint.Empty;
        }

        if (_cache.TryGetValue(id, out var cached))
        {
            return cached;
        }

        if (!IsId(id))
        {
            return null;
        }

        try
        {
            var content = await storage.Container(ContainerName).GetBlobClient(id).DownloadContentAsync(cancellationToken);
            var rows = JsonSerializer.Deserialize<JsonElement[][]>(content.Value.Content.ToMemory().Span) ?? [];
            var builder = ImmutableDictionary.CreateBuilder<string, StreamPosition>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                builder[row[0].GetString()!] = new StreamPosition(row[1].ValueKind == JsonValueKind.Null ? null : row[1].GetString(), row[2].GetInt64());
            }

            var checkpoint = new CursorCheckpoint(id, builder.ToImmutable());
            Remember(checkpoint);
            return checkpoint;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Deletes checkpoints older than the retention; returns how many.</summary>
    public async Task<int> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = (timeProvider.GetUtcNow() - options.Value.CursorRetention).UtcDateTime.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var container = storage.Container(ContainerName);
        var deleted = 0;
        await foreach (var blob in container.GetBlobsAsync(cancellationToken: cancellationToken))
        {
            if (string.CompareOrdinal(blob.Name, cutoff) >= 0)
            {
                break; // names sort by time
            }

            await container.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken);
            _cache.TryRemove(blob.Name, out _);
            deleted++;
        }

        if (deleted > 0)
        {
            Log.Pruned(logger, deleted);
        }

        return deleted;
    }

    private static bool IsId(string id) =>
        id.Length == 27 && id[14] == '-' && id.AsSpan(0, 14).ContainsAnyExceptInRange('0', '9') is false
        && !id.AsSpan(15).ContainsAnyExcept("0123456789abcdef");

    private void Remember(CursorCheckpoint checkpoint)
    {
        if (_cache.TryAdd(checkpoint.Id, checkpoint))
        {
            _cacheOrder.Enqueue(checkpoint.Id);
            while (_cacheOrder.Count > CacheCapacity && _cacheOrder.TryDequeue(out var old))
            {
                _cache.TryRemove(old, out _);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 6111, EventName = "SseCheckpointsPruned", Level = LogLevel.Information, Message = "Deleted {Count} expired SSE cursor checkpoints")]
        public static partial void Pruned(ILogger logger, int count);
    }
}
