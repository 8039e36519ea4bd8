namespace FunctionsDashboard.Storage;

/// <summary>A table, queue or blob container the app needs (by base name, before the prefix); created at startup when missing.</summary>
/// <param name="Kind">Which service.</param>
/// <param name="Name">Its name.</param>
public sealed record StorageResource(StorageResourceKind Kind, string Name);
