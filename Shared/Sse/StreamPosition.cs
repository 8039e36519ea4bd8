namespace FunctionsDashboard.Sse;

/// <summary>Where a reader stands in one stream: the last seq it has, in a generation (null: none seen yet).</summary>
/// <param name="Generation">The stream's generation the seq belongs to; null for "nothing read yet".</param>
/// <param name="Seq">The last seq read (0: none).</param>
public readonly record struct StreamPosition(string? Generation, long Seq)
{
    /// <summary>Nothing read yet.</summary>
    public static StreamPosition Start { get; } = new(null, 0);
}
