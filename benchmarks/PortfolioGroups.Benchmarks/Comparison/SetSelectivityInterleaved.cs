using System.Diagnostics;
using System.Globalization;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--selectivity [rounds]</c>: the <see cref="SetSelectivity"/> cases without BenchmarkDotNet, so
/// the library and every hand-written form see the same machine: per database, group size and
/// query, the data is seeded once, then the five sides run by turns, round after round (the order
/// rotating each round), each call timed and checked against the expected page, after the garbage
/// of the calls before it is collected, untimed (<see cref="Stats.Settle"/>). The table gives
/// each side's median, the fastest hand-written form by name, and the library's ratio to it.
/// <c>PORTFOLIOGROUPS_BENCH_SELECTIVITY</c> narrows the run to the cases whose
/// "database:members:query" contains it (e.g. <c>SQLite:10000:none</c>), and
/// <c>PORTFOLIOGROUPS_BENCH_SELECTIVITY_SIDES</c> to the sides it names (comma-separated), for a profile;
/// with <c>PORTFOLIOGROUPS_BENCH_SELECTIVITY_KEEP</c> set, PostgreSQL keeps the seeded rows; with
/// <c>PORTFOLIOGROUPS_BENCH_SELECTIVITY_CPU</c> set, each case also prints each side's median CPU time and allocations per call.
/// </summary>
public static class SetSelectivityInterleaved
{
    private static readonly (string Name, Func<SetSelectivity, Task<int>> Run)[] BuiltIn =
    [
        ("library", s => s.Library()),
        ("RawExists", s => s.RawExists()),
        ("RawJoin", s => s.RawJoin()),
        ("RawGroupBy", s => s.RawGroupBy()),
        ("RawSetOp", s => s.RawSetOp()),
    ];

    private static readonly (string Name, Func<SetSelectivity, Task<int>> Run)[] Sides = [.. BuiltIn, .. Extra()];

    /// <summary>
    /// <c>PORTFOLIOGROUPS_BENCH_SELECTIVITY_EXTRA</c>: a file of more hand-written sides to try, one a
    /// line as <c>name=SELECT ...</c> (parameters @a, @b; the page's LIMIT is added), not in the table's best.
    /// </summary>
    private static IEnumerable<(string Name, Func<SetSelectivity, Task<int>> Run)> Extra() =>
        Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_BENCH_SELECTIVITY_EXTRA") is { Length: > 0 } path
            ? File.ReadAllLines(path).Where(l => l.Contains('=')).Select(l => (l[..l.IndexOf('=')], (Func<SetSelectivity, Task<int>>)(s => s.RawSql(l[(l.IndexOf('=') + 1)..]))))
            : [];

    public static async Task<int> RunAsync(int rounds)
    {
        var only = Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_BENCH_SELECTIVITY");
        Console.WriteLine($"Median of {rounds} rounds per side, the five sides by turns; ms; page of {SetQueries.PageSize:N0} of {SetQueries.Portfolios:N0} portfolios");
        Console.WriteLine();
        Console.WriteLine("| database | query | members of a, b | library | RawExists | RawJoin | RawGroupBy | RawSetOp | best plain (form) | library / best |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var db in BenchDatabase.Names())
        {
            foreach (var members in new[] { 1_000, 10_000, 50_000 })
            {
                foreach (var query in new[] { "all of a, b", "any of a, b", "none of a" })
                {
                    var name = $"{(db == BenchDatabase.Postgres ? "PostgreSQL" : "SQLite")}:{members}:{query}";
                    if (!string.IsNullOrEmpty(only) && !name.Contains(only, StringComparison.OrdinalIgnoreCase))
                    {
                        continue;
                    }

                    var bench = new SetSelectivity { Db = db, Members = members, Query = query };
                    await bench.GlobalSetupAsync();
                    try
                    {
                        Console.WriteLine(await MeasureAsync(bench, rounds));
                    }
                    finally
                    {
                        // PORTFOLIOGROUPS_BENCH_SELECTIVITY_KEEP: leave PostgreSQL's rows of the last case, to EXPLAIN them.
                        if (Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_BENCH_SELECTIVITY_KEEP") is null)
                        {
                            await bench.GlobalCleanupAsync();
                        }
                    }
                }
            }
        }

        return 0;
    }

    private static async Task<string> MeasureAsync(SetSelectivity bench, int rounds)
    {
        var sidesOnly = Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_BENCH_SELECTIVITY_SIDES")?.Split(',');
        var times = Sides.Select(_ => new List<double>(rounds)).ToArray();
        var cpu = Sides.Select(_ => new List<double>(rounds)).ToArray();
        var allocated = Sides.Select(_ => new List<double>(rounds)).ToArray();
        using var process = Process.GetCurrentProcess();
        bool Runs(string name) => sidesOnly is null || sidesOnly.Contains(name);
        await Stats.WarmUpAsync([.. Sides.Where(s => Runs(s.Name)).Select(s => (Func<Task>)(() => s.Run(bench)))]);

        for (var round = 0; round < rounds; round++)
        {
            for (var turn = 0; turn < Sides.Length; turn++)
            {
                var side = (round + turn) % Sides.Length;
                if (!Runs(Sides[side].Name))
                {
                    times[side].Add(double.NaN);
                    cpu[side].Add(double.NaN);
                    allocated[side].Add(double.NaN);
                    continue;
                }

                Stats.Settle();
                process.Refresh();
                var cpuBefore = process.TotalProcessorTime;
                var bytesBefore = GC.GetTotalAllocatedBytes();
                var started = Stopwatch.GetTimestamp();
                await Sides[side].Run(bench);
                times[side].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                allocated[side].Add((GC.GetTotalAllocatedBytes() - bytesBefore) / 1024.0);
                process.Refresh();
                cpu[side].Add((process.TotalProcessorTime - cpuBefore).TotalMilliseconds);
            }
        }

        var medians = times.Select(Stats.Median).ToArray();
        if (Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_BENCH_SELECTIVITY_CPU") is not null)
        {
            // The process's CPU time (all threads) and allocations per call: steadier than wall time on a shared machine.
            Console.WriteLine("  cpu ms: " + string.Join(", ", Sides.Select((side, i) => $"{side.Name} {Stats.Median(cpu[i]).ToString("N2", CultureInfo.InvariantCulture)}")));
            Console.WriteLine("  KiB allocated: " + string.Join(", ", Sides.Select((side, i) => $"{side.Name} {Stats.Median(allocated[i]).ToString("N0", CultureInfo.InvariantCulture)}")));
        }

        var best = Enumerable.Range(1, BuiltIn.Length - 1).MinBy(i => medians[i]);
        var cells = string.Join(" | ", medians.Take(BuiltIn.Length).Select(m => m.ToString("N2", CultureInfo.InvariantCulture)));
        for (var extra = BuiltIn.Length; extra < Sides.Length; extra++)
        {
            Console.WriteLine($"  {Sides[extra].Name}: {medians[extra].ToString("N2", CultureInfo.InvariantCulture)}");
        }

        var database = bench.Db == BenchDatabase.Postgres ? "PostgreSQL" : "SQLite";
        return $"| {database} | {bench.Query} | {bench.Members:N0} | {cells} | {medians[best]:N2} ({Sides[best].Name}) | {medians[0] / medians[best]:F2} |";
    }
}
