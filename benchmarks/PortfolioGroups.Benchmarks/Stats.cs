namespace PortfolioGroups.Benchmarks;

/// <summary>The medians the harnesses outside BenchmarkDotNet report, and their warm-up.</summary>
internal static class Stats
{
    /// <summary>Calls of each side before its timed rounds.</summary>
    private const int WarmupCalls = 40;

    /// <summary>
    /// Brings every side to its steady state before it is timed, as BenchmarkDotNet's warm-up does:
    /// <see cref="WarmupCalls"/> calls of each (by turns), a pause, and one more call of each. The
    /// runtime compiles a method at full optimization only after it has run 30 times, and then in the
    /// background after a 100 ms quiet spell; a side called once before timing is timed for its
    /// first 30 calls partly in unoptimized code, and a side made of many small methods (a library
    /// call) far more than a single loop (a plain reader): 26–28 ms against 18–22 for the same
    /// page of PostgreSQL rows, where fully optimized code gives 18–19 against 15–17.
    /// </summary>
    /// <param name="sides">The calls to warm up.</param>
    /// <param name="before">Run before each call, untimed (a delete's rows put back).</param>
    public static async Task WarmUpAsync(IReadOnlyList<Func<Task>> sides, Action? before = null)
    {
        for (var call = 0; call < WarmupCalls; call++)
        {
            foreach (var side in sides)
            {
                before?.Invoke();
                await side();
            }
        }

        await Task.Delay(500);
        foreach (var side in sides)
        {
            before?.Invoke();
            await side();
        }
    }

    /// <summary>
    /// Collects the young garbage before a timed call, untimed: each call then starts with the
    /// collector's allocation budget whole, and pays only for collections its own allocations bring
    /// about. Without it, the sides of a comparison that allocate megabytes each (pages of 10,000
    /// rows) lock into step with the collector: a budget lasts a round or two, and the collections
    /// keep falling in the same side's call, with that call's rows alive to be copied (SQLite, pages
    /// of "any of a, b": all eight collections of 15 rounds fell in the library's calls, which took
    /// 25-44 ms with one and 16-18 without). Generations 0 and 1 only: after a full collection the
    /// runtime trims its shared array pools on the finalizer thread, which then competes with the
    /// timed call (a profile of a PostgreSQL case: 61% of the samples with a full collection before
    /// each call, 29% with this one, from the full collections the runtime still makes by itself).
    /// <c>PORTFOLIOGROUPS_BENCH_NO_SETTLE</c> set: no collection, to see the effect.
    /// </summary>
    public static void Settle()
    {
        if (Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_BENCH_NO_SETTLE") is null)
        {
            GC.Collect(1, GCCollectionMode.Forced, blocking: true);
        }
    }

    /// <summary>The middle value; the mean of the two middle values of an even count.</summary>
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    /// <summary>The value below which a fraction <paramref name="p"/> of the values lie, interpolated between the two nearest ranks.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((sorted[high] - sorted[low]) * (rank - low));
    }
}
