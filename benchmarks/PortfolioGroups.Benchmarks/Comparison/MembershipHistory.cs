using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters.Csv;
using BenchmarkDotNet.Jobs;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// What the membership history costs, each side by side in one run on each database: the call with
/// the history triggers (schema at its current version) against the same call on the previous schema
/// version (<see cref="WithoutHistoryVersion"/>: the database migrated down, so there is no history
/// table and no trigger), or an as-of read against the present-day read.
/// </summary>
/// <remarks>
/// BenchmarkDotNet runs each method in its own process with its own global setup: the baseline's
/// setup migrates the database down to <see cref="WithoutHistoryVersion"/>, its cleanup migrates it
/// back up. Rows are the benchmark's own (<see cref="BenchDatabase.Prefix"/>).
/// </remarks>
public abstract class HistoryBenchmark : DatabaseBenchmark
{
    /// <summary>The schema version before the history (migration 2026120102).</summary>
    public const long WithoutHistoryVersion = 2026120101;

    private bool _migratedDown;

    /// <summary>Opens the database; without history, migrates it down to <see cref="WithoutHistoryVersion"/>.</summary>
    protected async Task OpenAsync(bool history)
    {
        await OpenDatabaseAsync();
        if (!history)
        {
            await Database.Store.MigrateDownAsync(WithoutHistoryVersion);
            _migratedDown = true;
        }
    }

    protected override async Task BeforeCleanupAsync()
    {
        if (_migratedDown)
        {
            await Database.Store.MigrateAsync();
        }
    }

    /// <summary>
    /// Deletes the benchmark's intervals and group deletions from the history, when there is one, then
    /// (on PostgreSQL) vacuums both tables, as <see cref="BulkPairs.ClearAsync"/> vacuums the
    /// memberships: so each iteration starts from the same tables, not from the dead rows of every
    /// iteration before it.
    /// </summary>
    protected async Task ClearBenchHistoryAsync()
    {
        if (!_migratedDown)
        {
            await Database.ExecuteAsync($"DELETE FROM portfolio_group_membership_history WHERE group_unique_identifier LIKE '{BenchDatabase.Prefix}%'");
            await Database.ExecuteAsync($"DELETE FROM portfolio_group_deletion_history WHERE group_unique_identifier LIKE '{BenchDatabase.Prefix}%'");
            if (Database.IsPostgres)
            {
                await Database.ExecuteAsync("VACUUM ANALYZE portfolio_group_membership_history, portfolio_group_deletion_history");
            }
        }
    }

    protected static int Check(long actual, long expected, string what) =>
        actual == expected ? (int)actual : throw new InvalidOperationException($"{what}: {actual}, expected {expected}.");
}

/// <summary>
/// <c>AddManyAsync</c> of 100,000 new pairs (100 groups × 1,000 portfolios, by uid), with the history
/// triggers and on the previous schema version. Before every call the groups are emptied and their
/// intervals removed, so each call writes 100,000 memberships (and 100,000 intervals) into the same tables.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class HistoryAddMany : HistoryBenchmark
{
    private BulkPairs _pairs = null!;

    [GlobalSetup(Target = nameof(WithoutHistory))]
    public Task SetupWithoutHistoryAsync() => SetupAsync(history: false);

    [GlobalSetup(Target = nameof(WithHistory))]
    public Task SetupWithHistoryAsync() => SetupAsync(history: true);

    [IterationSetup]
    public void Reset()
    {
        _pairs.ClearAsync(Database).GetAwaiter().GetResult();
        ClearBenchHistoryAsync().GetAwaiter().GetResult();
    }

    [Benchmark(Baseline = true)]
    public async Task<int> WithoutHistory() => Check((await PortfolioGroupMembership.AddManyAsync(Database.Store, _pairs.Refs)).Added, _pairs.Count, "added");

    [Benchmark]
    public async Task<int> WithHistory() => Check((await PortfolioGroupMembership.AddManyAsync(Database.Store, _pairs.Refs)).Added, _pairs.Count, "added");

    private async Task SetupAsync(bool history)
    {
        await OpenAsync(history);
        _pairs = await BulkPairs.SeedAsync(Database, "histadd");
    }
}

/// <summary>
/// Deleting a group of 100,000 members (<c>PortfolioGroup.DeleteAsync</c>; the memberships go by
/// cascade, and with history one row of the group deletions ends their intervals), with the history triggers and on the
/// previous schema version. Before every call the group is made again and filled by one statement.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class HistoryDeleteGroup : HistoryBenchmark
{
    public const int Members = 100_000;

    private Guid[] _portfolios = [];
    private Guid _group;
    private int _round;

    [GlobalSetup(Target = nameof(WithoutHistory))]
    public Task SetupWithoutHistoryAsync() => SetupAsync(history: false);

    [GlobalSetup(Target = nameof(WithHistory))]
    public Task SetupWithHistoryAsync() => SetupAsync(history: true);

    [IterationSetup]
    public void FillGroup() => FillGroupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public async Task<int> WithoutHistory() => Check(await PortfolioGroup.DeleteAsync(Database.Store, _group) ? 1 : 0, 1, "deleted");

    [Benchmark]
    public async Task<int> WithHistory() => Check(await PortfolioGroup.DeleteAsync(Database.Store, _group) ? 1 : 0, 1, "deleted");

    private async Task SetupAsync(bool history)
    {
        await OpenAsync(history);
        _portfolios = await Database.SeedRowsAsync("portfolio", "histdelete-portfolio", Members);
    }

    private async Task FillGroupAsync()
    {
        await ClearBenchHistoryAsync();
        _group = (await Database.SeedRowsAsync("portfolio_group", $"histdelete-group-{_round++}", 1))[0];
        await Database.SeedAllPairsAsync([_group], _portfolios);
        await Database.AnalyzeAsync("portfolio_group_membership");
    }
}

/// <summary>
/// One <c>PortfolioGroup.AddPortfolioAsync(store, group, portfolio)</c> (one statement, one commit),
/// with the history trigger and on the previous schema version: 200 calls per iteration, each adding
/// a new portfolio to a group emptied before the iteration. The median is of the iterations' mean call.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(HistorySingleAddConfig))]
public class HistorySingleAdd : HistoryBenchmark
{
    public const int CallsPerIteration = 200;

    private Guid[] _portfolios = [];
    private Guid _group;
    private int _next;

    [GlobalSetup(Target = nameof(WithoutHistory))]
    public Task SetupWithoutHistoryAsync() => SetupAsync(history: false);

    [GlobalSetup(Target = nameof(WithHistory))]
    public Task SetupWithHistoryAsync() => SetupAsync(history: true);

    [IterationSetup]
    public void EmptyGroup()
    {
        Database.ClearGroupAsync(_group).GetAwaiter().GetResult();
        ClearBenchHistoryAsync().GetAwaiter().GetResult();
        _next = 0;
    }

    [Benchmark(Baseline = true)]
    public async Task<Guid> WithoutHistory() => (await PortfolioGroup.AddPortfolioAsync(Database.Store, _group, _portfolios[_next++])).Uid;

    [Benchmark]
    public async Task<Guid> WithHistory() => (await PortfolioGroup.AddPortfolioAsync(Database.Store, _group, _portfolios[_next++])).Uid;

    private async Task SetupAsync(bool history)
    {
        await OpenAsync(history);
        _group = (await Database.SeedRowsAsync("portfolio_group", "histsingle-group", 1))[0];
        _portfolios = await Database.SeedRowsAsync("portfolio", "histsingle-portfolio", CallsPerIteration);
    }
}

/// <summary><see cref="HistorySingleAdd"/>'s job: 200 invocations per iteration (the portfolios of one round), 2 warmups, 15 iterations.</summary>
public sealed class HistorySingleAddConfig : ManualConfig
{
    public HistorySingleAddConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(15)
            .WithInvocationCount(HistorySingleAdd.CallsPerIteration)
            .WithUnrollFactor(1)
            .WithId("HistorySingleAdd"));
        AddColumn(StatisticColumn.Median);
        AddExporter(new CsvExporter(CsvSeparator.Comma, ComparisonConfig.CsvStyle));
    }
}

/// <summary>
/// Every member of a 100,000-member group, as of an instant after they were added against the
/// present-day read of the same group, in one run: streamed (<c>StreamPortfoliosAsync</c> with and
/// without <c>asOf</c>); in keyset pages of 500 (<c>PortfolioGroup.GetPortfoliosPageAsync</c> with
/// and without <c>asOf</c>, and <c>Portfolio.FilterPageAsync</c> with the group in <c>InAnyGroup</c>
/// and <c>asOf</c>, which also looks up each portfolio's latest identifier then);
/// the group's change log in keyset pages of 500 (<c>GetHistoryPageAsync</c> of the group over
/// [asOf, asOf + 1 ms), which holds the same intervals: every member was added before asOf and none
/// since); and one offset page of 500 in the middle (offset 50,000: <c>GetPortfoliosOffsetPageAsync</c>
/// with and without <c>asOf</c>). The stream and the keyset pages are read again with the group
/// named by its unique identifier (<c>...ByIdentifier</c>), with and without <c>asOf</c>: as of an
/// instant, the identifier is the one the intervals recorded, found through the history's table of
/// identifiers (the setup removes the identifiers of earlier runs' groups, so it names one group);
/// today, the group's row.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class HistoryAsOfGroupRead : DatabaseBenchmark
{
    public const int Members = 100_000;

    private Guid _group;
    private string _groupIdentifier = "";
    private DateTimeOffset _asOf;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();

        // The history of earlier runs, with the identifiers it recorded: the group's identifier then
        // names this run's group alone, as an identifier given to one group does.
        foreach (var table in new[] { "portfolio_group_membership_history", "portfolio_group_deletion_history" })
        {
            await Database.ExecuteAsync($"DELETE FROM {table} WHERE group_unique_identifier LIKE '{BenchDatabase.Prefix}%'");
        }

        await Database.ExecuteAsync($"DELETE FROM portfolio_group_membership_history_identifier WHERE unique_identifier LIKE '{BenchDatabase.Prefix}%'");
        _group = (await Database.SeedRowsAsync("portfolio_group", "histread-group", 1))[0];
        _groupIdentifier = (await PortfolioGroup.GetAsync(Database.Store, _group)).UniqueIdentifier;
        var portfolios = await Database.SeedRowsAsync("portfolio", "histread-portfolio", Members);
        await Database.SeedAllPairsAsync([_group], portfolios);
        await Task.Delay(10);
        _asOf = DateTimeOffset.UtcNow;
        await Task.Delay(10);
        await Database.AnalyzeAsync("portfolio, portfolio_group_membership, portfolio_group_membership_history");
        if (Database.IsPostgres)
        {
            // The opening clean-up closed the last run's intervals and the seeding added 100,000:
            // vacuumed now, so autovacuum does not run on these tables during the timed reads.
            await Database.ExecuteAsync("VACUUM portfolio, portfolio_group_membership, portfolio_group_membership_history, portfolio_group_deletion_history");
        }
    }

    [Benchmark(Baseline = true)]
    public async Task<int> StreamCurrent() => Check(await ReadAsync(PortfolioGroup.StreamPortfoliosAsync(Database.Store, _group), p => p.UniqueIdentifier));

    [Benchmark]
    public async Task<int> StreamAsOf() => Check(await ReadAsync(PortfolioGroup.StreamPortfoliosAsync(Database.Store, _group, _asOf), i => i.PortfolioUniqueIdentifier));

    [Benchmark]
    public async Task<int> StreamCurrentByIdentifier() => Check(await ReadAsync(PortfolioGroup.StreamPortfoliosAsync(Database.Store, _groupIdentifier), p => p.UniqueIdentifier));

    [Benchmark]
    public async Task<int> StreamAsOfByIdentifier() => Check(await ReadAsync(PortfolioGroup.StreamPortfoliosAsync(Database.Store, _groupIdentifier, _asOf), i => i.PortfolioUniqueIdentifier));

    [Benchmark]
    public async Task<int> PagesCurrent() => Check(await ReadPagesAsync(request => PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, request)));

    [Benchmark]
    public async Task<int> PagesAsOf() => Check(await ReadPagesAsync(request => PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _group, _asOf, request)));

    [Benchmark]
    public async Task<int> PagesCurrentByIdentifier() => Check(await ReadPagesAsync(request => PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _groupIdentifier, request)));

    [Benchmark]
    public async Task<int> PagesAsOfByIdentifier() => Check(await ReadPagesAsync(request => PortfolioGroup.GetPortfoliosPageAsync(Database.Store, _groupIdentifier, _asOf, request)));

    [Benchmark]
    public async Task<int> FilterPagesAsOf()
    {
        var filter = new PortfolioFilter { InAnyGroup = [_group] };
        return Check(await ReadPagesAsync(request => Portfolio.FilterPageAsync(Database.Store, filter, _asOf, request)));
    }

    [Benchmark]
    public async Task<int> ChangeLogPages()
    {
        var filter = new MembershipHistoryFilter { Group = _group, From = _asOf, To = _asOf.AddMilliseconds(1) };
        return Check(await ReadPagesAsync(request => PortfolioGroupMembership.GetHistoryPageAsync(Database.Store, filter, request)));
    }

    [Benchmark]
    public async Task<int> ChangeLogPagesByIdentifier()
    {
        var filter = new MembershipHistoryFilter { Group = _groupIdentifier, From = _asOf, To = _asOf.AddMilliseconds(1) };
        return Check(await ReadPagesAsync(request => PortfolioGroupMembership.GetHistoryPageAsync(Database.Store, filter, request)));
    }

    [Benchmark]
    public async Task<int> OffsetPageCurrent()
    {
        var page = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Database.Store, _group, MiddlePage);
        return CheckPage(page.Items.Count, page.TotalCount);
    }

    [Benchmark]
    public async Task<int> OffsetPageAsOf()
    {
        var page = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Database.Store, _group, _asOf, MiddlePage);
        return CheckPage(page.Items.Count, page.TotalCount);
    }

    /// <summary>Reads a stream to its end, touching each row's identifier; returns the rows read.</summary>
    private static async Task<int> ReadAsync<T>(IAsyncEnumerable<T> rows, Func<T, string> identifier)
    {
        var read = 0;
        await foreach (var row in rows)
        {
            read += identifier(row).Length > 0 ? 1 : 0;
        }

        return read;
    }

    /// <summary>Reads every page of a keyset listing, from a first page of 500; returns the rows read.</summary>
    private static async Task<int> ReadPagesAsync<T>(Func<PageRequest, Task<Page<T>>> read)
    {
        var rows = 0;
        for (PageRequest? request = PageRequest.First(500); request is not null;)
        {
            var page = await read(request);
            rows += page.Items.Count;
            request = page.Next;
        }

        return rows;
    }

    private static OffsetPageRequest MiddlePage { get; } = new() { Offset = Members / 2, Limit = 500 };

    private static int CheckPage(int items, long total) =>
        items == 500 && total == Members ? items : throw new InvalidOperationException($"Read {items} of {total}, expected 500 of {Members}.");

    private static int Check(int read) =>
        read == Members ? read : throw new InvalidOperationException($"Read {read} members, expected {Members}.");
}

/// <summary>
/// The engine's own price of the three ways a large group's history could be written, side by side in
/// one run, in plain SQL on a plain connection (no library call): <c>DELETE</c> of a group of
/// 100,000 members (the memberships go by cascade; the schema is the previous version, so no history
/// trigger runs), <c>UPDATE ... SET valid_to</c> of 100,000 open intervals of one group (what the
/// delete trigger does, without the join to the deleted rows), and <c>INSERT</c> of 100,000 intervals
/// (what closing by writing an end row would cost instead). Before every call the rows are made again
/// (and, on PostgreSQL, the table vacuumed), outside the timing.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class HistoryEngineWrites : HistoryBenchmark
{
    public const int Rows = 100_000;

    private const string Identifier = BenchDatabase.Prefix + "histengine-group";

    private Guid[] _portfolios = [];
    private Guid _group;
    private int _round;

    [GlobalSetup(Target = nameof(DeleteGroup))]
    public async Task SetupDeleteAsync()
    {
        await OpenAsync(history: false);
        _portfolios = await Database.SeedRowsAsync("portfolio", "histengine-portfolio", Rows);
    }

    [GlobalSetup(Targets = new[] { nameof(UpdateIntervals), nameof(InsertIntervals) })]
    public async Task SetupHistoryAsync()
    {
        await OpenAsync(history: true);
        _group = Guid.CreateVersion7();
    }

    protected override async Task BeforeCleanupAsync()
    {
        await ClearBenchHistoryAsync();
        await base.BeforeCleanupAsync();
    }

    [IterationSetup(Target = nameof(DeleteGroup))]
    public void FillGroup() => FillGroupAsync().GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(UpdateIntervals))]
    public void OpenIntervals() => ResetHistoryAsync(insert: true).GetAwaiter().GetResult();

    [IterationSetup(Target = nameof(InsertIntervals))]
    public void EmptyHistory() => ResetHistoryAsync(insert: false).GetAwaiter().GetResult();

    [Benchmark(Baseline = true)]
    public Task DeleteGroup() => Database.ExecuteAsync($"DELETE FROM portfolio_group WHERE uid = '{_group:D}'");

    [Benchmark]
    public Task UpdateIntervals() => Database.ExecuteAsync(
        $"UPDATE portfolio_group_membership_history SET valid_to = {(Database.IsPostgres ? "transaction_timestamp()" : "strftime('%Y-%m-%d %H:%M:%f', 'now')")} "
        + $"WHERE portfolio_group_uid = '{_group:D}' AND valid_to IS NULL");

    [Benchmark]
    public Task InsertIntervals() => Database.ExecuteAsync(InsertSql());

    /// <summary>100,000 open intervals of the group, to portfolios numbered 0 to 99,999, in one statement.</summary>
    private string InsertSql() => Database.IsPostgres
        ? "INSERT INTO portfolio_group_membership_history (membership_uid, portfolio_group_uid, portfolio_uid, group_unique_identifier, portfolio_unique_identifier, valid_from) "
          + $"SELECT ('00000002-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, '{_group:D}'::uuid, ('00000003-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, "
          + $"'{Identifier}', '{BenchDatabase.Prefix}histengine-portfolio-' || i, transaction_timestamp() FROM generate_series(0, {Rows - 1}) AS i"
        : $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {Rows - 1}) "
          + "INSERT INTO portfolio_group_membership_history (membership_uid, portfolio_group_uid, portfolio_uid, group_unique_identifier, portfolio_unique_identifier, valid_from) "
          + $"SELECT printf('00000002-0000-4000-8000-%012x', i), '{_group:D}', printf('00000003-0000-4000-8000-%012x', i), "
          + $"'{Identifier}', '{BenchDatabase.Prefix}histengine-portfolio-' || i, strftime('%Y-%m-%d %H:%M:%f', 'now') FROM n";

    private async Task FillGroupAsync()
    {
        _group = (await Database.SeedRowsAsync("portfolio_group", $"histengine-group-{_round++}", 1))[0];
        await Database.SeedAllPairsAsync([_group], _portfolios);
        await Database.AnalyzeAsync("portfolio_group_membership");
        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM portfolio_group_membership");
        }
    }

    private async Task ResetHistoryAsync(bool insert)
    {
        await ClearBenchHistoryAsync();
        if (insert)
        {
            await Database.ExecuteAsync(InsertSql());
            await Database.AnalyzeAsync("portfolio_group_membership_history");
        }
    }
}

/// <summary>
/// <c>--single-history [calls] [version]</c>: one <c>PortfolioGroup.AddPortfolioAsync(store, group, portfolio)</c>
/// (one statement, one commit) with the history trigger against the same call on the schema without
/// history (<see cref="HistoryBenchmark.WithoutHistoryVersion"/>), in one process, alternating call by
/// call (which side goes first alternates too), so both see the same machine. Each side has a store
/// of its own: on SQLite a database file each; on PostgreSQL the database of
/// <see cref="BenchDatabase.PostgresVariable"/>, the side without history in a schema of its own
/// (dropped at the end). Each call adds a new portfolio to one group and is timed on its own; the
/// table gives p50 and p90 of each side and their ratios. Every call checks its answer. A version
/// given migrates the side with history down to it first (to price a later migration's indexes).
/// </summary>
public static class HistorySingleAddAlternating
{
    private const string WithoutSchema = "bench_without_history";

    /// <param name="calls">Calls per side.</param>
    /// <param name="withVersion">The schema version of the side with history (at least 2026120102); null: the latest.</param>
    public static async Task<int> RunAsync(int calls, long? withVersion)
    {
        Console.WriteLine($"{calls:N0} calls per side, alternating call by call; µs; with history at schema version {withVersion?.ToString(CultureInfo.InvariantCulture) ?? "latest"}");
        Console.WriteLine();
        Console.WriteLine("| call | database | with history p50 | without p50 | ratio p50 | with history p90 | without p90 | ratio p90 |");
        Console.WriteLine("|---|---|--:|--:|--:|--:|--:|--:|");
        foreach (var name in BenchDatabase.Names())
        {
            await using var with = await BenchDatabase.OpenAsync(name);
            await using var withoutStore = await StoreWithoutHistory.OpenAsync(with, WithoutSchema);
            var without = withoutStore.Store;
            try
            {
                if (withVersion is { } version)
                {
                    await with.Store.MigrateDownAsync(version);
                }

                var (withTimes, withoutTimes) = await MeasureAsync(with.Store, without, calls);
                double[] withTicks = [.. withTimes.Select(t => (double)t)], withoutTicks = [.. withoutTimes.Select(t => (double)t)];
                var (w50, w90) = (Stats.Percentile(withTicks, 0.5), Stats.Percentile(withTicks, 0.9));
                var (o50, o90) = (Stats.Percentile(withoutTicks, 0.5), Stats.Percentile(withoutTicks, 0.9));
                Console.WriteLine(
                    $"| PortfolioGroup.AddPortfolioAsync (new pair) | {(with.IsPostgres ? "PostgreSQL" : "SQLite")} | {Micro(w50)} | {Micro(o50)} | {w50 / o50:F2} | {Micro(w90)} | {Micro(o90)} | {w90 / o90:F2} |");
            }
            finally
            {
                await with.ExecuteAsync($"DELETE FROM portfolio_group_membership_history WHERE group_unique_identifier LIKE '{BenchDatabase.Prefix}%'");
                if (withVersion is not null)
                {
                    await with.Store.MigrateAsync();
                }
            }
        }

        return 0;
    }

    private static async Task<(long[] With, long[] Without)> MeasureAsync(PortfolioStore with, PortfolioStore without, int calls)
    {
        const int warmup = 50;
        var identifiers = Enumerable.Range(0, calls + warmup).Select(i => $"{BenchDatabase.Prefix}histsingle-p{i:D6}").ToArray();
        async Task<(PortfolioGroup Group, Portfolio[] Portfolios)> SeedAsync(PortfolioStore store)
        {
            await Portfolio.UpsertManyAsync(store, identifiers.Select(i => new PortfolioUpsert(i)));
            var portfolios = (await Portfolio.FilterAsync(store, new PortfolioFilter { UniqueIdentifiers = identifiers })).OrderBy(p => p.UniqueIdentifier, StringComparer.Ordinal).ToArray();
            var group = await PortfolioGroup.AddAsync(store, $"{BenchDatabase.Prefix}histsingle-group", "G");
            return (group, portfolios);
        }

        var (withGroup, withPortfolios) = await SeedAsync(with);
        var (withoutGroup, withoutPortfolios) = await SeedAsync(without);

        async Task<long> TimeAsync(PortfolioStore store, PortfolioGroup group, Portfolio portfolio)
        {
            var start = Stopwatch.GetTimestamp();
            var added = await PortfolioGroup.AddPortfolioAsync(store, group.Uid, portfolio.Uid);
            var elapsed = Stopwatch.GetTimestamp() - start;
            return added.PortfolioUid == portfolio.Uid && added.PortfolioGroupUid == group.Uid ? elapsed : throw new InvalidOperationException("A call gave a wrong answer.");
        }

        // Warm both sides up (JIT, pools, statement caches) on the first portfolios.
        for (var i = 0; i < warmup; i++)
        {
            await TimeAsync(with, withGroup, withPortfolios[calls + i]);
            await TimeAsync(without, withoutGroup, withoutPortfolios[calls + i]);
        }

        var withTimes = new long[calls];
        var withoutTimes = new long[calls];
        for (var i = 0; i < calls; i++)
        {
            if (i % 2 == 0)
            {
                withTimes[i] = await TimeAsync(with, withGroup, withPortfolios[i]);
                withoutTimes[i] = await TimeAsync(without, withoutGroup, withoutPortfolios[i]);
            }
            else
            {
                withoutTimes[i] = await TimeAsync(without, withoutGroup, withoutPortfolios[i]);
                withTimes[i] = await TimeAsync(with, withGroup, withPortfolios[i]);
            }
        }

        return (withTimes, withoutTimes);
    }

    private static string Micro(double ticks) => (ticks * 1_000_000 / Stopwatch.Frequency).ToString("N0", CultureInfo.InvariantCulture) + " µs";
}

/// <summary>
/// The as-of lookup of one portfolio's groups (<c>GetGroupsForPortfolioAsync(store, portfolio, asOf)</c>)
/// with 10,000 and with 1,000,000 intervals in the history (<see cref="Intervals"/>): ten per
/// portfolio, half of them closed, written straight into the history table by one statement (it
/// has no foreign keys, as an outside writer's rows would be). The looked-up portfolio is in the middle.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ComparisonConfig))]
public class HistoryGroupsOfPortfolio : DatabaseBenchmark
{
    public const int IntervalsPerPortfolio = 10;

    private Guid _portfolio;
    private DateTimeOffset _asOf;

    [Params(10_000, 1_000_000)]
    public int Intervals { get; set; }

    /// <summary>This case's rows: group and portfolio identifiers and uids carry the interval count, so the two cases never share rows (run by turns in one process, they share one PostgreSQL database).</summary>
    private string Marker => $"{BenchDatabase.Prefix}hist{Intervals}-";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        await DeleteRowsAsync();
        var portfolios = Intervals / IntervalsPerPortfolio;
        // Interval i: portfolio i / 10, group i % 10; opened i seconds after 2026-01-01; the odd ones closed an hour later.
        var sql = Database.IsPostgres
            ? "INSERT INTO portfolio_group_membership_history (membership_uid, portfolio_group_uid, group_unique_identifier, portfolio_uid, portfolio_unique_identifier, valid_from, valid_to) "
              + $"SELECT gen_random_uuid(), ('{Intervals:x8}-0000-4000-8000-' || lpad(to_hex(i % 10), 12, '0'))::uuid, '{Marker}group-' || (i % 10), "
              + $"('{Intervals:x8}-0001-4000-8000-' || lpad(to_hex(i / 10), 12, '0'))::uuid, '{Marker}portfolio-' || (i / 10), "
              + "timestamptz '2026-01-01T00:00:00Z' + i * interval '1 second', "
              + "CASE WHEN i % 2 = 1 THEN timestamptz '2026-01-01T01:00:00Z' + i * interval '1 second' END "
              + $"FROM generate_series(0, {Intervals - 1}) AS i"
            : "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " + (Intervals - 1) + ") "
              + "INSERT INTO portfolio_group_membership_history (membership_uid, portfolio_group_uid, group_unique_identifier, portfolio_uid, portfolio_unique_identifier, valid_from, valid_to) "
              + $"SELECT printf('%08x-0002-4000-8000-%012x', {Intervals}, i), printf('{Intervals:x8}-0000-4000-8000-%012x', i % 10), '{Marker}group-' || (i % 10), "
              + $"printf('{Intervals:x8}-0001-4000-8000-%012x', i / 10), '{Marker}portfolio-' || (i / 10), "
              + "strftime('%Y-%m-%d %H:%M:%f', '2026-01-01 00:00:00', '+' || i || ' seconds'), "
              + "CASE WHEN i % 2 = 1 THEN strftime('%Y-%m-%d %H:%M:%f', '2026-01-01 01:00:00', '+' || i || ' seconds') END FROM n";
        await Database.ExecuteAsync(sql);
        // VACUUM and CHECKPOINT too: otherwise autovacuum and the checkpointer write the million new
        // rows out while the lookups are timed. On SQLite the checkpoint empties the write-ahead log,
        // whose index every page read consults first: with the million rows' pages left in it a
        // lookup took 0.26 ms at 1,000,000 intervals against 0.14 at 10,000 (0.28 / 0.20 after the
        // checkpoint); on files the sqlite3 shell had checkpointed, the library's lookup took
        // 0.17 ms at both sizes.
        await Database.ExecuteAsync(Database.IsPostgres ? "VACUUM ANALYZE portfolio_group_membership_history" : "ANALYZE portfolio_group_membership_history");
        await Database.ExecuteAsync(Database.IsPostgres ? "/* every dirty page written now, not while timed */ CHECKPOINT" : "PRAGMA wal_checkpoint(TRUNCATE)");

        var middle = portfolios / 2;
        _portfolio = Guid.Parse($"{Intervals:x8}-0001-4000-8000-{middle:x12}", CultureInfo.InvariantCulture);
        // After the portfolio's ten intervals opened, before the closed ones closed: all ten in force.
        _asOf = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds((middle * IntervalsPerPortfolio) + IntervalsPerPortfolio);
    }

    protected override Task BeforeCleanupAsync() => DeleteRowsAsync();

    private Task DeleteRowsAsync() =>
        Database.ExecuteAsync($"DELETE FROM portfolio_group_membership_history WHERE group_unique_identifier LIKE '{Marker}%'");

    [Benchmark]
    public async Task<int> GroupsAsOf()
    {
        var groups = await PortfolioGroup.GetGroupsForPortfolioAsync(Database.Store, _portfolio, _asOf);
        return groups.Count == IntervalsPerPortfolio ? groups.Count : throw new InvalidOperationException($"Found {groups.Count} groups, expected {IntervalsPerPortfolio}.");
    }
}
