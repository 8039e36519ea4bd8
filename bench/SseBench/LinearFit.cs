namespace FunctionsDashboard.SseBench;

/// <summary>An ordinary least-squares line y = <see cref="Intercept"/> + <see cref="Slope"/>·x.</summary>
/// <param name="Slope">The slope (here: bytes per connection).</param>
/// <param name="Intercept">The value at x = 0 (here: the server's memory without clients, extrapolated).</param>
/// <param name="RSquared">The coefficient of determination: 1 is a perfect line.</param>
public sealed record LinearFit(double Slope, double Intercept, double RSquared)
{
    /// <summary>Fits the points; needs at least two distinct x.</summary>
    public static LinearFit Of(IReadOnlyList<(double X, double Y)> points)
    {
        if (points.Select(p => p.X).Distinct().Count() < 2)
        {
            throw new ArgumentException("A line needs at least two distinct x values.", nameof(points));
        }

        var meanX = points.Average(p => p.X);
        var meanY = points.Average(p => p.Y);
        var sxx = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        var sxy = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        var syy = points.Sum(p => (p.Y - meanY) * (p.Y - meanY));
        var slope = sxy / sxx;
        var rSquared = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return new LinearFit(slope, meanY - (slope * meanX), rSquared);
    }
}
