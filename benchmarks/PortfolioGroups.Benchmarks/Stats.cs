namespace PortfolioGroups.Benchmarks;

/// <summary>The medians the harnesses outside BenchmarkDotNet report.</summary>
internal static class Stats
{
    /// <summary>The middle value; the mean of the two middle values of an even count.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
