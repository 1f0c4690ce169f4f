using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// What the bulk-add benchmarks share: the seeded groups and portfolios (every group with every
/// portfolio makes the pairs), reset before every call, and the check of a bulk add's result.
/// </summary>
public abstract class BulkAddBenchmark : DatabaseBenchmark
{
    private readonly string _prefix;
    private readonly int _groups;
    private readonly int _portfoliosPerGroup;
    private readonly bool _present;

    /// <param name="prefix">The seeded rows' identifier prefix.</param>
    /// <param name="groups">How many groups.</param>
    /// <param name="portfoliosPerGroup">How many portfolios; the pairs are every group with every portfolio.</param>
    /// <param name="present">Whether every pair is a membership before each call (else none is).</param>
    protected BulkAddBenchmark(string prefix, int groups, int portfoliosPerGroup, bool present)
    {
        _prefix = prefix;
        _groups = groups;
        _portfoliosPerGroup = portfoliosPerGroup;
        _present = present;
    }

    protected BulkPairs Pairs { get; private set; } = null!;

    /// <summary>The rows each call must insert: all of them for new pairs, none when all are present.</summary>
    protected int ExpectedAdded => _present ? 0 : Pairs.Count;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        Pairs = await BulkPairs.SeedAsync(Database, _prefix, _groups, _portfoliosPerGroup);
        if (_present)
        {
            await Pairs.SeedAllAsync(Database);
            if (Database.IsPostgres)
            {
                await Database.ExecuteAsync("VACUUM ANALYZE portfolio_group_membership");
            }
        }

        await AfterSeedAsync();
    }

    /// <summary>Runs at the end of the global setup, after seeding.</summary>
    protected virtual Task AfterSeedAsync() => Task.CompletedTask;

    /// <summary>New pairs: empties the seeded groups before every call. Present pairs: nothing to do (no call writes).</summary>
    [IterationSetup]
    public void ResetMemberships()
    {
        if (!_present)
        {
            Pairs.ClearAsync(Database).GetAwaiter().GetResult();
        }
    }

    /// <summary>Checks a bulk add's result: <see cref="ExpectedAdded"/> added, the rest already present.</summary>
    protected int Checked(BulkAddResult result)
    {
        BulkPairs.Check(result.AlreadyPresent, Pairs.Count - ExpectedAdded, "already present");
        return BulkPairs.Check(result.Added, ExpectedAdded, "added");
    }
}

/// <summary>
/// <see cref="BulkAddBenchmark"/> with the raw side: every plain path of each engine, measured in the
/// same run (the table takes the fastest): SQLite <c>RawPrepared</c> (one prepared
/// <c>INSERT ... ON CONFLICT DO NOTHING</c> per row, in one transaction); PostgreSQL <c>RawUnnest</c>
/// (one <c>INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING</c>) and <c>RawCopy</c> (binary
/// <c>COPY</c> into a temporary table, then <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING</c>, in
/// one transaction).
/// </summary>
public abstract class BulkAddComparison(string prefix, int groups, int portfoliosPerGroup, bool present)
    : BulkAddBenchmark(prefix, groups, portfoliosPerGroup, present)
{
    [Benchmark]
    [OnlyOn(BenchDatabase.Sqlite)]
    public async Task<int> RawPrepared() => BulkPairs.Check(await Pairs.SqlitePreparedAsync(Database), ExpectedAdded, "added");

    [Benchmark]
    [OnlyOn(BenchDatabase.Postgres)]
    public async Task<int> RawUnnest() => BulkPairs.Check(await Pairs.PostgresUnnestAsync(Database), ExpectedAdded, "added");

    [Benchmark]
    [OnlyOn(BenchDatabase.Postgres)]
    public async Task<int> RawCopy() => BulkPairs.Check(await Pairs.PostgresCopyAsync(Database), ExpectedAdded, "added");
}

/// <summary>
/// <see cref="BulkAddComparison"/> for new pairs (the seeded groups emptied before every call), with
/// two more sides: PostgreSQL <c>RawCopyDirect</c>, binary <c>COPY</c> straight into the membership
/// table (the engine's fastest path when every pair is new; it fails on a conflict, so it is no
/// general answer), and EF Core <c>AddRange</c> + <c>SaveChangesAsync</c>.
/// </summary>
public abstract class NewPairsComparison(string prefix, int groups, int portfoliosPerGroup)
    : BulkAddComparison(prefix, groups, portfoliosPerGroup, present: false)
{
    [Benchmark]
    [OnlyOn(BenchDatabase.Postgres)]
    public async Task<int> RawCopyDirect() => BulkPairs.Check(await Pairs.PostgresCopyDirectAsync(Database), ExpectedAdded, "added");

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        context.Memberships.AddRange(Pairs.Pairs.Select(p => new EfMembership { Uid = Guid.CreateVersion7(), GroupUid = p.Group, PortfolioUid = p.Portfolio }));
        return BulkPairs.Check(await context.SaveChangesAsync(), ExpectedAdded, "added");
    }
}

/// <summary>
/// 100,000 new memberships (100 groups × 1,000 portfolios, all existing; pairs by uid) into groups
/// emptied before every call. Library: <c>PortfolioGroupMembership.AddManyAsync</c>; raw: every
/// plain path of the engine (<see cref="BulkAddComparison"/>, <see cref="NewPairsComparison"/>);
/// EF Core: <c>AddRange</c> + <c>SaveChangesAsync</c>.
/// </summary>
/// <remarks>
/// The per-call add (<c>AddPortfolioAsync</c> in a loop) of the same pairs is in
/// <see cref="AddManyVersusLoop"/>, with a shorter job.
/// </remarks>
[Comparison("AddManyAsync: 100,000 new pairs", Order = 40)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyNewPairs() : NewPairsComparison("addnew", BulkPairs.Groups, BulkPairs.PortfoliosPerGroup)
{
    [Benchmark]
    public async Task<int> Library() => Checked(await PortfolioGroupMembership.AddManyAsync(Database.Store, Pairs.Refs));
}

/// <summary>
/// The same 100,000 pairs again when every one is a membership already: nothing to write.
/// Library: <c>AddManyAsync</c>; raw: the plain paths that tolerate conflicts (<see cref="BulkAddComparison"/>).
/// </summary>
[Comparison("AddManyAsync: the same 100,000, all present", Order = 41)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyPresentPairs() : BulkAddComparison("addpresent", BulkPairs.Groups, BulkPairs.PortfoliosPerGroup, present: true)
{
    [Benchmark]
    public async Task<int> Library() => Checked(await PortfolioGroupMembership.AddManyAsync(Database.Store, Pairs.Refs));
}

/// <summary>
/// 100,000 new portfolios (all existing, by uid) into one group, emptied before every call.
/// Library: <c>PortfolioGroup.AddPortfoliosAsync</c>; raw and EF Core as in <see cref="AddManyNewPairs"/>.
/// </summary>
[Comparison("AddPortfoliosAsync: 100,000 new members of one group", Order = 42)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddPortfoliosNewMembers() : NewPairsComparison("addmembers", 1, 100_000)
{
    [Benchmark]
    public async Task<int> Library() =>
        Checked(await PortfolioGroup.AddPortfoliosAsync(Database.Store, Pairs.GroupUids[0], Pairs.PortfolioUids.Select(p => (PortfolioRef)p)));
}

/// <summary>
/// The 100,000 new pairs of <see cref="AddManyNewPairs"/>, added by <c>AddManyAsync</c> and by a loop
/// of the single-pair call <c>PortfolioGroup.AddPortfolioAsync(store, group, portfolio)</c> (one
/// statement and one commit per pair, as independent calls would), side by side in one run. The
/// loop takes a minute or more per call, so the job is short (<see cref="ComparisonLoopConfig"/>:
/// no warmup); instead the global setup runs both calls on a few pairs first, so neither measured
/// call pays for compiling its code.
/// </summary>
[Comparison("AddManyAsync against a loop of AddPortfolioAsync: 100,000 new pairs", Order = 43)]
[MemoryDiagnoser]
[Config(typeof(ComparisonLoopConfig))]
public class AddManyVersusLoop() : BulkAddBenchmark("addloop", BulkPairs.Groups, BulkPairs.PortfoliosPerGroup, present: false)
{
    protected override async Task AfterSeedAsync()
    {
        await PortfolioGroupMembership.AddManyAsync(Database.Store, Pairs.Refs.Take(1_000));
        foreach (var (group, portfolio) in Pairs.Pairs.Skip(1_000).Take(100))
        {
            await PortfolioGroup.AddPortfolioAsync(Database.Store, group, portfolio);
        }
    }

    [Benchmark]
    public async Task<int> Library() => Checked(await PortfolioGroupMembership.AddManyAsync(Database.Store, Pairs.Refs));

    [Benchmark]
    public async Task<int> Loop()
    {
        var added = 0;
        foreach (var (group, portfolio) in Pairs.Pairs)
        {
            var membership = await PortfolioGroup.AddPortfolioAsync(Database.Store, group, portfolio);
            added += membership.PortfolioGroupUid == group && membership.PortfolioUid == portfolio ? 1 : 0;
        }

        return BulkPairs.Check(added, ExpectedAdded, "added");
    }
}
