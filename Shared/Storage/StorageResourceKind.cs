namespace FunctionsDashboard.Storage;

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
