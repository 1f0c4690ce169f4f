using System.Diagnostics;
using System.Globalization;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// A bulk write with the membership history against the same call on the schema without it
/// (<see cref="HistoryBenchmark.WithoutHistoryVersion"/>), in one process, by turns:
/// <c>--history-delete [rounds]</c>, <c>PortfolioGroup.DeleteAsync</c> of a group of 100,000 members;
/// <c>--history-addmany [rounds]</c>, <c>PortfolioGroupMembership.AddManyAsync</c> of 100,000 new pairs
/// (100 new groups × 1,000 portfolios, by uid, the shape of <see cref="HistoryAddMany"/>). Each side
/// has a store of its own (SQLite: a database file each; PostgreSQL: the database of
/// <see cref="BenchDatabase.PostgresVariable"/>, the side without history in a schema of its own,
/// dropped at the end). Each round makes the same rows on both sides, untimed (the delete: a new group
/// filled with the 100,000 portfolios; the add: 100 new empty groups); on PostgreSQL the membership
/// tables and the history are then vacuumed and analyzed, a checkpoint writes out what the writes
/// left dirty, and each side's membership table is read in. Then the two calls run, the side that
/// goes first alternating. After the round its groups are deleted and the history's ended intervals
/// pruned, so every round starts from the same tables. One untimed warm-up round. Every call checks
/// its answer.
/// </summary>
public static class HistoryAlternating
{
    public const int Members = 100_000;

    /// <summary>The add's groups and portfolios per group (<see cref="BulkPairs"/>' shape).</summary>
    private const int AddGroups = BulkPairs.Groups;

    private const int AddPortfoliosPerGroup = BulkPairs.PortfoliosPerGroup;

    /// <summary>Times <c>PortfolioGroup.DeleteAsync</c> of a group of <see cref="Members"/>.</summary>
    public static Task<int> DeleteGroupAsync(int rounds) => RunAsync(
        rounds,
        "bench_without_history_delete",
        $"PortfolioGroup.DeleteAsync, {Members:N0} members",
        $"group of {Members:N0} members",
        async (store, portfolios, round) =>
        {
            var group = await PortfolioGroup.AddAsync(store, $"{BenchDatabase.Prefix}histdel-group-{round + 1}", "G");
            var added = await PortfolioGroup.AddPortfoliosAsync(store, group.Uid, portfolios);
            return added.Added == Members ? [group.Uid] : throw new InvalidOperationException($"added {added.Added}, expected {Members}.");
        },
        async (store, groups, _) => await PortfolioGroup.DeleteAsync(store, groups[0]) ? 1 : throw new InvalidOperationException("The group was not deleted."));

    /// <summary>Times <c>PortfolioGroupMembership.AddManyAsync</c> of <see cref="Members"/> new pairs.</summary>
    public static Task<int> AddManyAsync(int rounds) => RunAsync(
        rounds,
        "bench_without_history_addmany",
        $"PortfolioGroupMembership.AddManyAsync, {Members:N0} new pairs",
        $"{Members:N0} new pairs, {AddGroups} groups × {AddPortfoliosPerGroup:N0} portfolios",
        async (store, _, round) =>
        {
            var groups = new Guid[AddGroups];
            for (var g = 0; g < AddGroups; g++)
            {
                groups[g] = (await PortfolioGroup.AddAsync(store, $"{BenchDatabase.Prefix}histadd-group-{round + 1}-{g:D3}", "G")).Uid;
            }

            return groups;
        },
        async (store, groups, portfolios) =>
        {
            var pairs = groups.SelectMany(g => portfolios.Take(AddPortfoliosPerGroup).Select(p => ((PortfolioGroupRef)g, p)));
            var added = await PortfolioGroupMembership.AddManyAsync(store, pairs);
            return added.Added == Members ? 1 : throw new InvalidOperationException($"added {added.Added}, expected {Members}.");
        });

    /// <param name="rounds">Timed rounds (after one untimed).</param>
    /// <param name="withoutSchema">The PostgreSQL schema of the side without history.</param>
    /// <param name="call">The table's call column.</param>
    /// <param name="shape">What one call writes, for the header.</param>
    /// <param name="make">Makes a round's rows on one side, untimed; returns its groups.</param>
    /// <param name="timed">The timed call on one side's groups (the round's portfolios given too).</param>
    private static async Task<int> RunAsync(
        int rounds,
        string withoutSchema,
        string call,
        string shape,
        Func<PortfolioStore, PortfolioRef[], int, Task<Guid[]>> make,
        Func<PortfolioStore, Guid[], PortfolioRef[], Task<int>> timed)
    {
        Console.WriteLine($"{rounds} rounds, the two sides by turns; {shape}; medians in ms");
        Console.WriteLine();
        Console.WriteLine("| call | database | with history | without | with / without |");
        Console.WriteLine("|---|---|--:|--:|--:|");
        foreach (var name in BenchDatabase.Names())
        {
            await using var with = await BenchDatabase.OpenAsync(name);
            await using var withoutStore = await StoreWithoutHistory.OpenAsync(with, withoutSchema);
            var without = withoutStore.Store;
            var withPortfolios = await SeedPortfoliosAsync(with.Store);
            var withoutPortfolios = await SeedPortfoliosAsync(without);
            var withTimes = new List<double>();
            var withoutTimes = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                var withGroups = await make(with.Store, withPortfolios, round);
                var withoutGroups = await make(without, withoutPortfolios, round);
                if (with.IsPostgres)
                {
                    // One statement per command: VACUUM cannot run in Npgsql's batch of several.
                    foreach (var table in new[] { "portfolio_group_membership", "portfolio_group_membership_history", $"{withoutStore.Schema}.portfolio_group_membership" })
                    {
                        await with.ExecuteAsync($"VACUUM ANALYZE {table}");
                    }

                    // A write with history writes twice the pages (the history's rows and indexes), which
                    // evicted that side's membership table from shared buffers, so its timed call read
                    // the table back and the other side's did not. Each side's table is read in, so
                    // both calls start from a resident table.
                    await with.ExecuteAsync("/* one word alone would be a procedure to Dapper */ CHECKPOINT");
                    foreach (var table in new[] { "portfolio_group_membership", $"{withoutStore.Schema}.portfolio_group_membership" })
                    {
                        await with.ExecuteAsync($"SELECT count(*) FROM {table} WHERE xmin IS NOT NULL /* a system column: the heap, not an index */");
                    }
                }

                double withTime, withoutTime;
                if (round % 2 == 0)
                {
                    withTime = await TimeAsync(() => timed(with.Store, withGroups, withPortfolios));
                    withoutTime = await TimeAsync(() => timed(without, withoutGroups, withoutPortfolios));
                }
                else
                {
                    withoutTime = await TimeAsync(() => timed(without, withoutGroups, withoutPortfolios));
                    withTime = await TimeAsync(() => timed(with.Store, withGroups, withPortfolios));
                }

                if (round >= 0)
                {
                    withTimes.Add(withTime);
                    withoutTimes.Add(withoutTime);
                }

                // The round's groups go (one deleted by the timed call is not there), and their intervals, ended before now, are pruned.
                await PortfolioGroup.BulkDeleteAsync(with.Store, withGroups);
                await PortfolioGroup.BulkDeleteAsync(without, withoutGroups);
                await Task.Delay(10);
                await PortfolioGroupMembership.PruneHistoryAsync(with.Store, DateTimeOffset.UtcNow);
            }

            var (w, o) = (Stats.Median(withTimes), Stats.Median(withoutTimes));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| {call} | {(with.IsPostgres ? "PostgreSQL" : "SQLite")} | {w:F1} | {o:F1} | {w / o:F2} |"));
        }

        return 0;
    }

    private static async Task<PortfolioRef[]> SeedPortfoliosAsync(PortfolioStore store)
    {
        var identifiers = Enumerable.Range(0, Members).Select(i => $"{BenchDatabase.Prefix}histdel-p{i:D6}").ToArray();
        await Portfolio.UpsertManyAsync(store, identifiers.Select(i => new PortfolioUpsert(i)));
        var portfolios = await Portfolio.FilterAsync(store, new PortfolioFilter { UniqueIdentifiers = identifiers });
        return portfolios.Count == Members
            ? [.. portfolios.Select(p => (PortfolioRef)p.Uid)]
            : throw new InvalidOperationException($"seeded {portfolios.Count} portfolios, expected {Members}.");
    }

    private static async Task<double> TimeAsync(Func<Task<int>> call)
    {
        var start = Stopwatch.GetTimestamp();
        await call();
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }
}
