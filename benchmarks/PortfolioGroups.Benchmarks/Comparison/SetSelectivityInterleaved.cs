using System.Diagnostics;
using System.Globalization;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--selectivity [rounds]</c>: the <see cref="SetSelectivity"/> cases without BenchmarkDotNet, so
/// the library and every hand-written form see the same machine: per database, group size and
/// query, the data is seeded once, then the five sides run by turns, round after round (the order
/// rotating each round), each call timed and checked against the expected page. The table gives
/// each side's median, the fastest hand-written form by name, and the library's ratio to it.
/// </summary>
public static class SetSelectivityInterleaved
{
    private static readonly (string Name, Func<SetSelectivity, Task<int>> Run)[] Sides =
    [
        ("library", s => s.Library()),
        ("RawExists", s => s.RawExists()),
        ("RawJoin", s => s.RawJoin()),
        ("RawGroupBy", s => s.RawGroupBy()),
        ("RawSetOp", s => s.RawSetOp()),
    ];

    public static async Task<int> RunAsync(int rounds)
    {
        Console.WriteLine($"Median of {rounds} rounds per side, the five sides by turns; ms; page of {SetSelectivity.PageSize:N0} of {SetSelectivity.Portfolios:N0} portfolios");
        Console.WriteLine();
        Console.WriteLine("| database | query | members of a, b | library | RawExists | RawJoin | RawGroupBy | RawSetOp | best plain (form) | library / best |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var db in BenchDatabase.Names())
        {
            foreach (var members in new[] { 1_000, 10_000, 50_000 })
            {
                foreach (var query in new[] { "all of a, b", "any of a, b", "none of a" })
                {
                    var bench = new SetSelectivity { Db = db, Members = members, Query = query };
                    await bench.GlobalSetupAsync();
                    try
                    {
                        Console.WriteLine(await MeasureAsync(bench, rounds));
                    }
                    finally
                    {
                        await bench.GlobalCleanupAsync();
                    }
                }
            }
        }

        return 0;
    }

    private static async Task<string> MeasureAsync(SetSelectivity bench, int rounds)
    {
        var times = Sides.Select(_ => new List<double>(rounds)).ToArray();
        foreach (var (_, run) in Sides)
        {
            await run(bench); // warm-up: JIT, pools, caches
        }

        for (var round = 0; round < rounds; round++)
        {
            for (var turn = 0; turn < Sides.Length; turn++)
            {
                var side = (round + turn) % Sides.Length;
                var started = Stopwatch.GetTimestamp();
                await Sides[side].Run(bench);
                times[side].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        var medians = times.Select(Stats.Median).ToArray();
        var best = Enumerable.Range(1, Sides.Length - 1).MinBy(i => medians[i]);
        var cells = string.Join(" | ", medians.Select(m => m.ToString("N2", CultureInfo.InvariantCulture)));
        var database = bench.Db == BenchDatabase.Postgres ? "PostgreSQL" : "SQLite";
        return $"| {database} | {bench.Query} | {bench.Members:N0} | {cells} | {medians[best]:N2} ({Sides[best].Name}) | {medians[0] / medians[best]:F2} |";
    }
}
