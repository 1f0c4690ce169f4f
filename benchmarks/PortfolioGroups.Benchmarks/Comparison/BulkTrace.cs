using System.Collections.Concurrent;
using System.Diagnostics;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--trace-addmany [runs]</c>: where <c>AddManyAsync</c> of 100,000 pairs spends its time. Listens to
/// the library's "PortfolioGroups" <see cref="ActivitySource"/> (one activity per command) and sums
/// each activity's duration by name, for new pairs (membership table emptied first) and for the same
/// pairs again (all present), next to the time of the plain path (unnest on PostgreSQL, the prepared statement on SQLite); the median of <c>runs</c> runs (default 3).
/// </summary>
public static class BulkTrace
{
    public static async Task<int> RunAsync(int runs)
    {
        foreach (var name in BenchDatabase.Names())
        {
            await using var database = await BenchDatabase.OpenAsync(name);
            var pairs = await BulkPairs.SeedAsync(database, "trace");
            foreach (var present in new[] { false, true })
            {
                var byName = new Dictionary<string, List<double>>();
                var totals = new List<double>();
                var raws = new List<double>();
                var untraced = new List<double>();
                for (var run = 0; run < runs; run++)
                {
                    await pairs.ClearAsync(database);
                    if (present)
                    {
                        await pairs.SeedAllAsync(database);
                    }

                    var stopwatch = Stopwatch.StartNew();
                    var raw = await pairs.SeedAllAsync(database);
                    raws.Add(stopwatch.Elapsed.TotalMilliseconds);
                    BulkPairs.Check(raw, present ? 0 : pairs.Count, "raw added");

                    await pairs.ClearAsync(database);
                    if (present)
                    {
                        await pairs.SeedAllAsync(database);
                    }

                    var activities = new ConcurrentQueue<Activity>();
                    using var listener = new ActivityListener
                    {
                        ShouldListenTo = s => s.Name == "PortfolioGroups",
                        Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                        ActivityStopped = activities.Enqueue,
                    };
                    ActivitySource.AddActivityListener(listener);
                    stopwatch.Restart();
                    var result = await PortfolioGroupMembership.AddManyAsync(database.Store, pairs.Refs);
                    totals.Add(stopwatch.Elapsed.TotalMilliseconds);
                    listener.Dispose();
                    BulkPairs.Check(result.Added, present ? 0 : pairs.Count, "added");
                    // Top-level activities only (a command's activity has no parent from this source).
                    untraced.Add(totals[^1] - activities.Where(a => a.Parent?.Source.Name != "PortfolioGroups").Sum(a => a.Duration.TotalMilliseconds));
                    foreach (var group in activities.GroupBy(a => a.DisplayName))
                    {
                        var run1 = group.Sum(a => a.Duration.TotalMilliseconds);
                        (byName.TryGetValue(group.Key, out var list) ? list : byName[group.Key] = []).Add(run1);
                        if (run == 0)
                        {
                            Console.WriteLine($"  [{name}, {(present ? "present" : "new")}] {group.Key}: {group.Count()} activities");
                        }
                    }
                }

                Console.WriteLine($"{name}, {(present ? "100,000 present" : "100,000 new")}: AddManyAsync {Stats.Median(totals):F0} ms, raw {Stats.Median(raws):F0} ms ({(database.IsPostgres ? "unnest" : "prepared statement")}; medians of {runs})");
                foreach (var (activity, times) in byName.OrderByDescending(kv => Stats.Median(kv.Value)))
                {
                    Console.WriteLine($"  {activity,-55} {Stats.Median(times),8:F0} ms  {Stats.Median(times) / Stats.Median(totals),6:P0}");
                }

                Console.WriteLine($"  {"(outside any activity: temp tables, begin, commit, input)",-55} {Stats.Median(untraced),8:F0} ms  {Stats.Median(untraced) / Stats.Median(totals),6:P0}");
            }
        }

        return 0;
    }
}
