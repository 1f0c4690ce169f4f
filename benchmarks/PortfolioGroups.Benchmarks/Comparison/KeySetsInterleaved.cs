using System.Diagnostics;
using System.Globalization;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--keysets [rounds]</c>: the <see cref="KeySetReads"/> and <see cref="KeySetDeletes"/> cases
/// without BenchmarkDotNet, so the library and the plain forms see the same machine: per database,
/// the data is seeded once per class, then per case the three sides run by turns, round after round
/// (the order rotating each round), each call timed and checked. A delete's rows are put back before
/// every call, untimed, and the garbage of the calls before it collected (<see cref="Stats.Settle"/>). The table gives each side's median, the faster plain form by name, and the
/// library's ratio to it. A second argument runs only the cases whose name contains it.
/// </summary>
public static class KeySetsInterleaved
{
    public static async Task<int> RunAsync(int rounds, string? only = null)
    {
        bool Runs(string call) => only is null || call.Contains(only, StringComparison.OrdinalIgnoreCase);
        Console.WriteLine($"Median of {rounds} rounds per side, the three sides by turns; ms; {KeySetBenchmark.Asked:N0} uids, {KeySetBenchmark.Existing:N0} exist");
        Console.WriteLine();
        Console.WriteLine("| case | database | library | RawJoin | RawIn | best (form) | library / best |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|--:|");
        foreach (var db in BenchDatabase.Names())
        {
            var reads = new KeySetReads { Db = db };
            await reads.SetUpKeysAsync();
            try
            {
                foreach (var call in KeySetReads.Calls.Where(Runs))
                {
                    reads.Call = call;
                    Console.WriteLine(await MeasureAsync(call, db, rounds, [reads.Library, reads.RawJoin, reads.RawIn], () => { }));
                }
            }
            finally
            {
                await reads.GlobalCleanupAsync();
            }

            var deletes = new KeySetDeletes { Db = db };
            await deletes.SetUpKeysAsync();
            try
            {
                foreach (var call in KeySetDeletes.Calls.Where(c => Runs("delete " + c)))
                {
                    deletes.Call = call;
                    Console.WriteLine(await MeasureAsync("delete " + call, db, rounds, [deletes.Library, deletes.RawJoin, deletes.RawIn], deletes.PutBack));
                }
            }
            finally
            {
                await deletes.GlobalCleanupAsync();
            }
        }

        return 0;
    }

    private static readonly string[] Names = ["library", "RawJoin", "RawIn"];

    private static async Task<string> MeasureAsync(string call, string db, int rounds, Func<Task<int>>[] sides, Action putBack)
    {
        var times = sides.Select(_ => new List<double>(rounds)).ToArray();
        await Stats.WarmUpAsync([.. sides.Select(side => (Func<Task>)side)], putBack);

        for (var round = 0; round < rounds; round++)
        {
            for (var turn = 0; turn < sides.Length; turn++)
            {
                var side = (round + turn) % sides.Length;
                putBack();
                Stats.Settle();
                var started = Stopwatch.GetTimestamp();
                await sides[side]();
                times[side].Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        putBack();
        var medians = times.Select(Stats.Median).ToArray();
        var best = medians[1] <= medians[2] ? 1 : 2;
        var cells = string.Join(" | ", medians.Select(m => m.ToString("N2", CultureInfo.InvariantCulture)));
        var database = db == BenchDatabase.Postgres ? "PostgreSQL" : "SQLite";
        return $"| {call} | {database} | {cells} | {medians[best]:N2} ({Names[best]}) | {medians[0] / medians[best]:F2} |";
    }
}
