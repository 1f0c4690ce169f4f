using BenchmarkDotNet.Attributes;
using Npgsql;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// PostgreSQL only (<see cref="BenchDatabase.PostgresVariable"/>): the library's calls on a plain
/// membership table, on one hash-partitioned into 16 by <c>portfolio_group_uid</c>
/// (<see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/>), and on one partitioned into 16
/// by <c>portfolio_uid</c> (made by plain SQL here: the library partitions by group only), side by
/// side in one run, each layout in a schema of its own on the same server.
/// </summary>
/// <remarks>
/// The data: 1,000 groups and 20,000 portfolios; group 0 holds 20,000 portfolios, groups 1 to 999
/// 50 each, every portfolio is in 2 to 3 groups. Reads: a single group's first page of 500, the whole
/// group streamed; cross-group: the groups of one portfolio, a set query (in any of two groups, page
/// of 10,000). Writes (<see cref="MembershipPartitionWrites"/>): 10,000 new members of one group,
/// 10,000 new pairs over 100 groups.
/// </remarks>
[MedianColumn]
[Config(typeof(ShortRunConfig))]
public class MembershipPartitionReads
{
    private PartitionLayout _layout = null!;

    [Params(PartitionLayout.Plain, PartitionLayout.ByGroup, PartitionLayout.ByPortfolio)]
    public string Layout { get; set; } = PartitionLayout.Plain;

    [GlobalSetup]
    public async Task GlobalSetupAsync() => _layout = await PartitionLayout.OpenAsync(Layout, seed: true);

    [GlobalCleanup]
    public Task GlobalCleanupAsync() => _layout.DisposeAsync().AsTask();

    [Benchmark(Description = "single group: first page of 500 of 20,000")]
    public async Task<int> GroupFirstPage()
    {
        var page = await PortfolioGroup.GetPortfoliosPageAsync(_layout.Store, _layout.BigGroup, PageRequest.First(500));
        return page.Items.Count == 500 ? 500 : throw new InvalidOperationException($"Read {page.Items.Count}.");
    }

    [Benchmark(Description = "single group: stream 20,000")]
    public async Task<int> StreamGroup()
    {
        var read = 0;
        await foreach (var _ in PortfolioGroup.StreamPortfoliosAsync(_layout.Store, _layout.BigGroup))
        {
            read++;
        }

        return read == PartitionLayout.BigGroupMembers ? read : throw new InvalidOperationException($"Streamed {read}.");
    }

    [Benchmark(Description = "cross-group: groups of one portfolio")]
    public async Task<int> GroupsOfPortfolio()
    {
        var groups = await PortfolioGroup.GetGroupsForPortfolioAsync(_layout.Store, _layout.SomePortfolio);
        return groups.Count >= 2 ? groups.Count : throw new InvalidOperationException($"Found {groups.Count} groups.");
    }

    [Benchmark(Description = "cross-group: set query, in any of two groups, page of 10,000")]
    public async Task<int> InAnyOfTwoGroups()
    {
        var page = await Portfolio.FilterPageAsync(_layout.Store, new PortfolioFilter { InAnyGroup = [_layout.BigGroup, _layout.SmallGroup] }, PageRequest.First(10_000));
        return page.Items.Count == 10_000 ? 10_000 : throw new InvalidOperationException($"Read {page.Items.Count}.");
    }
}

/// <summary>The bulk adds of <see cref="MembershipPartitionReads"/>'s layouts; the added pairs are removed before every iteration.</summary>
[MedianColumn]
[Config(typeof(OneInvocationPerIterationConfig))]
public class MembershipPartitionWrites
{
    private const int Adds = 10_000;
    private PartitionLayout _layout = null!;
    private Guid _emptyGroup;
    private Guid[] _manyGroups = [];
    private Guid[] _portfolios = [];

    [Params(PartitionLayout.Plain, PartitionLayout.ByGroup, PartitionLayout.ByPortfolio)]
    public string Layout { get; set; } = PartitionLayout.Plain;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        _layout = await PartitionLayout.OpenAsync(Layout, seed: true);
        _emptyGroup = (await PortfolioGroup.UpsertAsync(_layout.Store, BenchDatabase.Prefix + "empty", "Empty")).Uid;
        await PortfolioGroup.UpsertManyAsync(_layout.Store, Enumerable.Range(0, 100).Select(g => new PortfolioGroupUpsert(BenchDatabase.Prefix + "many-" + g, "Many " + g)));
        _manyGroups = new Guid[100];
        for (var g = 0; g < 100; g++)
        {
            _manyGroups[g] = (await PortfolioGroup.GetAsync(_layout.Store, BenchDatabase.Prefix + "many-" + g)).Uid;
        }

        _portfolios = [.. _layout.Portfolios.Take(Adds)];
    }

    [GlobalCleanup]
    public Task GlobalCleanupAsync() => _layout.DisposeAsync().AsTask();

    [IterationSetup]
    public void RemoveAdded() => _layout.ExecuteAsync(
        $"DELETE FROM portfolio_group_membership WHERE portfolio_group_uid = ANY(ARRAY['{string.Join("','", _manyGroups.Append(_emptyGroup))}']::uuid[])").GetAwaiter().GetResult();

    [Benchmark(Description = "bulk add: AddPortfoliosAsync, 10,000 new members of one group")]
    public async Task<int> AddPortfoliosToOneGroup()
    {
        var result = await PortfolioGroup.AddPortfoliosAsync(_layout.Store, _emptyGroup, _portfolios.Select(p => (PortfolioRef)p));
        return result.Added == Adds ? Adds : throw new InvalidOperationException($"Added {result.Added}.");
    }

    [Benchmark(Description = "bulk add: AddManyAsync, 10,000 new pairs over 100 groups")]
    public async Task<int> AddManyOverGroups()
    {
        var pairs = _portfolios.Select((p, i) => ((PortfolioGroupRef)_manyGroups[i % 100], (PortfolioRef)p));
        var result = await PortfolioGroupMembership.AddManyAsync(_layout.Store, pairs);
        return result.Added == Adds ? Adds : throw new InvalidOperationException($"Added {result.Added}.");
    }
}

/// <summary>One layout of the membership table, in a schema of its own, seeded once and reused by later runs.</summary>
public sealed class PartitionLayout : IAsyncDisposable
{
    public const string Plain = "plain";
    public const string ByGroup = "16 by group";
    public const string ByPortfolio = "16 by portfolio";
    public const int Groups = 1_000;
    public const int PortfolioCount = 20_000;
    public const int BigGroupMembers = 20_000;

    private readonly NpgsqlDataSource _plain;

    private PartitionLayout(PortfolioStore store, NpgsqlDataSource plain)
    {
        Store = store;
        _plain = plain;
    }

    public PortfolioStore Store { get; }

    public Guid BigGroup { get; private set; }

    public Guid SmallGroup { get; private set; }

    public Guid SomePortfolio { get; private set; }

    public Guid[] Portfolios { get; private set; } = [];

    public static async Task<PartitionLayout> OpenAsync(string layout, bool seed)
    {
        var connectionString = Environment.GetEnvironmentVariable(BenchDatabase.PostgresVariable)
            ?? throw new InvalidOperationException($"{BenchDatabase.PostgresVariable} is not set: these benchmarks run on PostgreSQL only.");
        var schema = layout switch { Plain => "bench_plain", ByGroup => "bench_by_group", _ => "bench_by_portfolio" };
        var store = await PortfolioStore.OpenPostgresAsync(connectionString, new PortfolioStoreOptions
        {
            PostgresSchema = schema,
            PostgresMembershipPartitions = layout == ByGroup ? 16 : 0,
        });
        var plain = new NpgsqlDataSourceBuilder(connectionString) { ConnectionStringBuilder = { SearchPath = schema } }.Build();
        var result = new PartitionLayout(store, plain);
        if (layout == ByPortfolio)
        {
            await result.PartitionByPortfolioAsync(schema);
        }

        if (seed)
        {
            await result.SeedAsync();
        }

        return result;
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var command = _plain.CreateCommand(sql);
        command.CommandTimeout = 600;
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await _plain.DisposeAsync();
    }

    /// <summary>The layout the library does not make: 16 hash partitions by portfolio_uid, with the library's triggers, foreign keys and indexes.</summary>
    private async Task PartitionByPortfolioAsync(string schema)
    {
        await ExecuteAsync(
            $"""
            DO $by_portfolio$
            DECLARE kept text[];
            BEGIN
              IF EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = '{schema}.portfolio_group_membership'::regclass) THEN RETURN; END IF;
              SELECT array_agg(pg_get_triggerdef(oid)) INTO kept FROM pg_trigger WHERE tgrelid = '{schema}.portfolio_group_membership'::regclass AND NOT tgisinternal;
              CREATE TABLE {schema}.m_new (LIKE {schema}.portfolio_group_membership INCLUDING DEFAULTS) PARTITION BY HASH (portfolio_uid);
              FOR r IN 0 .. 15 LOOP
                EXECUTE format('CREATE TABLE {schema}.portfolio_group_membership_p%s PARTITION OF {schema}.m_new FOR VALUES WITH (MODULUS 16, REMAINDER %s)', r, r);
              END LOOP;
              INSERT INTO {schema}.m_new SELECT * FROM {schema}.portfolio_group_membership;
              DROP TABLE {schema}.portfolio_group_membership;
              ALTER TABLE {schema}.m_new RENAME TO portfolio_group_membership;
              ALTER TABLE {schema}.portfolio_group_membership ADD CONSTRAINT pk_portfolio_group_membership PRIMARY KEY (uid, portfolio_uid);
              CREATE UNIQUE INDEX ux_portfolio_group_membership_pair ON {schema}.portfolio_group_membership (portfolio_group_uid, portfolio_uid);
              CREATE INDEX ix_portfolio_group_membership_portfolio ON {schema}.portfolio_group_membership (portfolio_uid);
              ALTER TABLE {schema}.portfolio_group_membership
                ADD CONSTRAINT fk_portfolio_group_membership_group FOREIGN KEY (portfolio_group_uid) REFERENCES {schema}.portfolio_group (uid) ON DELETE CASCADE,
                ADD CONSTRAINT fk_portfolio_group_membership_portfolio FOREIGN KEY (portfolio_uid) REFERENCES {schema}.portfolio (uid) ON DELETE CASCADE;
              FOR r IN 1 .. coalesce(array_length(kept, 1), 0) LOOP EXECUTE kept[r]; END LOOP;
            END $by_portfolio$
            """);
    }

    private async Task SeedAsync()
    {
        var prefix = BenchDatabase.Prefix + "part-";
        var existing = await PortfolioGroup.FindAsync(Store, prefix + "g0");
        var portfolioIds = Enumerable.Range(0, PortfolioCount).Select(p => $"{prefix}p{p}").ToList();
        if (existing is null)
        {
            await Portfolio.UpsertManyAsync(Store, portfolioIds.Select(id => new PortfolioUpsert(id)));
            await PortfolioGroup.UpsertManyAsync(Store, Enumerable.Range(0, Groups).Select(g => new PortfolioGroupUpsert($"{prefix}g{g}", $"G{g}")));
            var pairs = portfolioIds.Select(p => ((PortfolioGroupRef)$"{prefix}g0", (PortfolioRef)p))
                .Concat(Enumerable.Range(1, Groups - 1).SelectMany(g => Enumerable.Range(0, 50).Select(i => ((PortfolioGroupRef)$"{prefix}g{g}", (PortfolioRef)portfolioIds[((g * 50) + i) % PortfolioCount]))));
            await PortfolioGroupMembership.AddManyAsync(Store, pairs);
            await ExecuteAsync("VACUUM ANALYZE portfolio_group_membership");
        }

        BigGroup = (await PortfolioGroup.GetAsync(Store, prefix + "g0")).Uid;
        SmallGroup = (await PortfolioGroup.GetAsync(Store, prefix + "g7")).Uid;
        var portfolios = await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [BigGroup] });
        Portfolios = [.. portfolios.Select(p => p.Uid)];
        SomePortfolio = (await Portfolio.GetAsync(Store, portfolioIds[12_345])).Uid;
    }
}

/// <summary>
/// <c>--partitions-interleaved [rounds]</c>: each case of <see cref="MembershipPartitionReads"/> and
/// <see cref="MembershipPartitionWrites"/> timed once per layout per round, the layouts taking turns
/// (their order rotating every round), so a busy shared machine slows every layout alike; prints the
/// median of each and its ratio to the plain table.
/// </summary>
internal static class PartitionInterleaved
{
    public static async Task<int> RunAsync(int rounds)
    {
        string[] layouts = [PartitionLayout.Plain, PartitionLayout.ByGroup, PartitionLayout.ByPortfolio];
        var reads = new Dictionary<string, MembershipPartitionReads>();
        var writes = new Dictionary<string, MembershipPartitionWrites>();
        foreach (var layout in layouts)
        {
            reads[layout] = new MembershipPartitionReads { Layout = layout };
            await reads[layout].GlobalSetupAsync();
            writes[layout] = new MembershipPartitionWrites { Layout = layout };
            await writes[layout].GlobalSetupAsync();
        }

        (string Name, Func<string, Task> Run, Action<string>? Before)[] cases =
        [
            ("single group: first page of 500 of 20,000", l => reads[l].GroupFirstPage(), null),
            ("single group: stream 20,000", l => reads[l].StreamGroup(), null),
            ("bulk add: AddPortfoliosAsync, 10,000 new members of one group", l => writes[l].AddPortfoliosToOneGroup(), l => writes[l].RemoveAdded()),
            ("bulk add: AddManyAsync, 10,000 new pairs over 100 groups", l => writes[l].AddManyOverGroups(), l => writes[l].RemoveAdded()),
            ("cross-group: groups of one portfolio", l => reads[l].GroupsOfPortfolio(), null),
            ("cross-group: set query, in any of two groups, page of 10,000", l => reads[l].InAnyOfTwoGroups(), null),
        ];
        var times = cases.ToDictionary(c => c.Name, _ => layouts.ToDictionary(l => l, _ => new List<double>()));
        for (var round = -1; round < rounds; round++)
        {
            foreach (var (name, run, before) in cases)
            {
                for (var i = 0; i < layouts.Length; i++)
                {
                    var layout = layouts[(i + Math.Max(round, 0)) % layouts.Length];
                    before?.Invoke(layout);
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    await run(layout);
                    if (round >= 0)
                    {
                        // Round -1 warms every path up and is not counted.
                        times[name][layout].Add(clock.Elapsed.TotalMilliseconds);
                    }
                }
            }
        }

        var culture = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine($"| case ({rounds} rounds, interleaved) | plain median | 16 by group median | 16 by portfolio median | by group / plain | by portfolio / plain |");
        Console.WriteLine("|---|--:|--:|--:|--:|--:|");
        foreach (var (name, _, _) in cases)
        {
            var plain = Stats.Median(times[name][PartitionLayout.Plain]);
            var byGroup = Stats.Median(times[name][PartitionLayout.ByGroup]);
            var byPortfolio = Stats.Median(times[name][PartitionLayout.ByPortfolio]);
            Console.WriteLine(string.Create(culture, $"| {name} | {plain:0.0} ms | {byGroup:0.0} ms | {byPortfolio:0.0} ms | {byGroup / plain:0.00} | {byPortfolio / plain:0.00} |"));
        }

        foreach (var layout in layouts)
        {
            await reads[layout].GlobalCleanupAsync();
            await writes[layout].GlobalCleanupAsync();
        }

        return 0;
    }
}
