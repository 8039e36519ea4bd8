using FunctionsDashboard.Options;

namespace FunctionsDashboard.Connections;

/// <summary>Tuning of the connection registry (section <c>Registry</c>). The defaults suit production.</summary>
public sealed class ConnectionRegistryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Registry";

    /// <summary>Base name of the registry table.</summary>
    public const string TableName = "connections";

    /// <summary>
    /// Partitions the rows are spread over (by a stable hash of the connection id), so heartbeats do not all land on
    /// one partition (Azure Tables serve about 2,000 entities/s per partition). Default 16; 1 to 256.
    /// </summary>
    [SettingRange(1, 256, ErrorMessage = SectionName + ":" + nameof(Shards) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(Shards) + ").")]
    public int Shards { get; set; } = 16;

    /// <summary>How long a presence count is reused before the table is read again. Default 2 s; 0 to 1 min.</summary>
    [SettingRange(typeof(TimeSpan), "00:00:00", "00:01:00", ErrorMessage = SectionName + ":" + nameof(PresenceCacheDuration) + " must be between {1} and {2} (app setting " + SectionName + "__" + nameof(PresenceCacheDuration) + ").")]
    public TimeSpan PresenceCacheDuration { get; set; } = TimeSpan.FromSeconds(2);
}
