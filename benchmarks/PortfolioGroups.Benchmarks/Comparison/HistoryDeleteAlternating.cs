using System.Diagnostics;
using System.Globalization;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// <c>--history-delete [rounds]</c>: <c>PortfolioGroup.DeleteAsync</c> of a group of 100,000 members
/// with the membership history against the same call on the schema without it
/// (<see cref="HistoryBenchmark.WithoutHistoryVersion"/>), in one process, by turns. Each side has a
/// store of its own (SQLite: a database file each; PostgreSQL: the database of
/// <see cref="BenchDatabase.PostgresVariable"/>, the side without history in a schema of its own,
/// dropped at the end). Each round fills a new group on both sides with the same 100,000 portfolios
/// (untimed; on PostgreSQL the membership tables are vacuumed and analyzed after, and a checkpoint
/// writes out what the fills left dirty), then deletes the
/// two groups, the side that goes first alternating; after the round the history's ended intervals
/// are pruned, so every round starts from the same history. One untimed warm-up round. Every call
/// checks its answer.
/// </summary>
public static class HistoryDeleteAlternating
{
    public const int Members = 100_000;

    private const string WithoutSchema = "bench_without_history_delete";

    public static async Task<int> RunAsync(int rounds)
    {
        Console.WriteLine($"{rounds} rounds, the two sides by turns; group of {Members:N0} members; medians in ms");
        Console.WriteLine();
        Console.WriteLine("| call | database | with history | without | with / without |");
        Console.WriteLine("|---|---|--:|--:|--:|");
        foreach (var name in BenchDatabase.Names())
        {
            await using var with = await BenchDatabase.OpenAsync(name);
            await using var withoutStore = await StoreWithoutHistory.OpenAsync(with, WithoutSchema);
            var without = withoutStore.Store;
            var withPortfolios = await SeedPortfoliosAsync(with.Store);
            var withoutPortfolios = await SeedPortfoliosAsync(without);
            var withTimes = new List<double>();
            var withoutTimes = new List<double>();
            for (var round = -1; round < rounds; round++)
            {
                var withGroup = await FillGroupAsync(with.Store, withPortfolios, round);
                var withoutGroup = await FillGroupAsync(without, withoutPortfolios, round);
                if (with.IsPostgres)
                {
                    // One statement per command: VACUUM cannot run in Npgsql's batch of several.
                    foreach (var table in new[] { "portfolio_group_membership", "portfolio_group_membership_history", $"{withoutStore.Schema}.portfolio_group_membership" })
                    {
                        await with.ExecuteAsync($"VACUUM ANALYZE {table}");
                    }

                    // The fill with history wrote twice the pages (the history's rows and indexes), which
                    // evicted that side's membership table from shared buffers, so its timed delete read
                    // the table back and the other side's did not. Each side's table is read in, so
                    // both deletes start from a resident table.
                    await with.ExecuteAsync("/* one word alone would be a procedure to Dapper */ CHECKPOINT");
                    foreach (var table in new[] { "portfolio_group_membership", $"{withoutStore.Schema}.portfolio_group_membership" })
                    {
                        await with.ExecuteAsync($"SELECT count(*) FROM {table} WHERE xmin IS NOT NULL /* a system column: the heap, not an index */");
                    }
                }

                double withTime, withoutTime;
                if (round % 2 == 0)
                {
                    withTime = await TimeDeleteAsync(with.Store, withGroup);
                    withoutTime = await TimeDeleteAsync(without, withoutGroup);
                }
                else
                {
                    withoutTime = await TimeDeleteAsync(without, withoutGroup);
                    withTime = await TimeDeleteAsync(with.Store, withGroup);
                }

                if (round >= 0)
                {
                    withTimes.Add(withTime);
                    withoutTimes.Add(withoutTime);
                }

                // The deleted group's intervals ended before now: prune them so the next round starts alike.
                await Task.Delay(10);
                await PortfolioGroupMembership.PruneHistoryAsync(with.Store, DateTimeOffset.UtcNow);
            }

            var (w, o) = (Stats.Median(withTimes), Stats.Median(withoutTimes));
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"| PortfolioGroup.DeleteAsync, {Members:N0} members | {(with.IsPostgres ? "PostgreSQL" : "SQLite")} | {w:F1} | {o:F1} | {w / o:F2} |"));
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

    private static async Task<Guid> FillGroupAsync(PortfolioStore store, PortfolioRef[] portfolios, int round)
    {
        var group = await PortfolioGroup.AddAsync(store, $"{BenchDatabase.Prefix}histdel-group-{round + 1}", "G");
        var added = await PortfolioGroup.AddPortfoliosAsync(store, group.Uid, portfolios);
        return added.Added == Members ? group.Uid : throw new InvalidOperationException($"added {added.Added}, expected {Members}.");
    }

    private static async Task<double> TimeDeleteAsync(PortfolioStore store, Guid group)
    {
        var start = Stopwatch.GetTimestamp();
        var deleted = await PortfolioGroup.DeleteAsync(store, group);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return deleted ? elapsed : throw new InvalidOperationException("The group was not deleted.");
    }
}
