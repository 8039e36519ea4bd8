using Azure;
using Azure.Data.Tables;

namespace FunctionsDashboard.Tests.EventLog;

/// <summary>
/// A storage rollback at the storage boundary: every entity of a table as it was, and a restore that puts the table
/// back exactly (rows written since are deleted, changed rows get their old content), like an emulator restarted on
/// an older flush of its data or a restored backup.
/// </summary>
internal sealed class TableSnapshot
{
    private readonly TableClient _table;
    private readonly List<TableEntity> _entities;

    private TableSnapshot(TableClient table, List<TableEntity> entities)
    {
        _table = table;
        _entities = entities;
    }

    public static async Task<TableSnapshot> TakeAsync(TableClient table, Func<TableEntity, bool>? only = null)
    {
        var entities = new List<TableEntity>();
        await foreach (var e in table.QueryAsync<TableEntity>())
        {
            if (only?.Invoke(e) ?? true)
            {
                entities.Add(e);
            }
        }

        return new TableSnapshot(table, entities);
    }

    /// <summary>Restores the snapshot; with <paramref name="only"/>, only the rows it selects are touched.</summary>
    public async Task RestoreAsync(Func<TableEntity, bool>? only = null)
    {
        var keep = _entities.Select(e => (e.PartitionKey, e.RowKey)).ToHashSet();
        await foreach (var e in _table.QueryAsync<TableEntity>())
        {
            if ((only?.Invoke(e) ?? true) && !keep.Contains((e.PartitionKey, e.RowKey)))
            {
                await _table.DeleteEntityAsync(e.PartitionKey, e.RowKey, ETag.All);
            }
        }

        foreach (var e in _entities.Where(e => only?.Invoke(e) ?? true))
        {
            await _table.UpsertEntityAsync(e, TableUpdateMode.Replace);
        }
    }
}
