namespace FunctionsDashboard.Storage;

/// <summary>A table, queue or blob container the app needs (by base name, before the prefix); created at startup when missing.</summary>
/// <param name="Kind">Which service.</param>
/// <param name="Name">Its name.</param>
public sealed record StorageResource(StorageResourceKind Kind, string Name);

/// <summary>The storage services a <see cref="StorageResource"/> lives in.</summary>
public enum StorageResourceKind
{
    /// <summary>A table.</summary>
    Table,

    /// <summary>A queue.</summary>
    Queue,

    /// <summary>A blob container.</summary>
    BlobContainer,
}
