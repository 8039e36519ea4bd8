namespace FunctionsDashboard.Access;

/// <summary>Parses the streams a request names (<c>?stream=a&amp;stream=orders.*</c>; also comma-separated).</summary>
public static class StreamSelection
{
    /// <summary>
    /// The requested set (<see cref="StreamSet.All"/> when none is named), or the problem (names the bad value, or the
    /// limit when there are more than <paramref name="maxPatterns"/>).
    /// </summary>
    public static (StreamSet? Requested, string? Problem) Parse(IEnumerable<string?> values, int maxPatterns)
    {
        if (values is ICollection<string?> { Count: 0 })
        {
            return (StreamSet.All, null); // no ?stream=: everything the caller may read (negotiate's usual call)
        }

        var patterns = new List<StreamPattern>();
        foreach (var value in values)
        {
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (patterns.Count >= maxPatterns)
                {
                    return (null, $"Too many streams: at most {maxPatterns} names or patterns per request (Access:MaxStreamsPerRequest); use a prefix pattern such as orders.* instead.");
                }

                if (StreamPattern.TryParse(part) is not { } pattern)
                {
                    return (null, $"'{Bounded(part)}' is not a stream name or prefix pattern: names use a-z, 0-9, '.', '_' and '-' (as the relay files them), patterns end in '*' (orders.*).");
                }

                patterns.Add(pattern);
            }
        }

        return (patterns.Count == 0 ? StreamSet.All : StreamSet.Of(patterns), null);
    }

    /// <summary>A request value cut to a length that is safe to echo.</summary>
    public static string Bounded(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
