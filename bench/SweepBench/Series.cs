namespace FunctionsDashboard.Bench;

/// <summary>Repeated measurements of one path: wall time and storage requests per run.</summary>
internal sealed class Series(string name)
{
    public string Name { get; } = name;

    public List<double> Milliseconds { get; } = [];

    public List<long> Requests { get; } = [];

    public double Median => MedianOf(Milliseconds);

    public double Min => Milliseconds.Count == 0 ? double.NaN : Milliseconds.Min();

    public double Max => Milliseconds.Count == 0 ? double.NaN : Milliseconds.Max();

    /// <summary>(max − min) / median.</summary>
    public double Spread => (Max - Min) / Median;

    public void Add(double milliseconds, long requests)
    {
        Milliseconds.Add(milliseconds);
        Requests.Add(requests);
    }

    public static double MedianOf(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
