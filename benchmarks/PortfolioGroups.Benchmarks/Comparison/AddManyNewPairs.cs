using BenchmarkDotNet.Attributes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// 100,000 new memberships (100 groups × 1,000 portfolios, all existing; pairs by uid) into a
/// membership table emptied before every iteration. Library:
/// <c>PortfolioGroupMembership.AddManyAsync</c>. Raw: the engine's fastest plain path for the same
/// rows (PostgreSQL: <see cref="BulkPairs.PostgresFastest"/>, chosen by <see cref="AddManyRawPaths"/>;
/// SQLite: one prepared <c>INSERT ... ON CONFLICT DO NOTHING</c> per row in one transaction).
/// EF Core: <c>AddRange</c> + <c>SaveChangesAsync</c>.
/// </summary>
/// <remarks>
/// The per-call add (<c>AddPortfolioAsync</c> in a loop) is not run at this size; see
/// <see cref="AddPortfolioToGroup"/> for its cost per call.
/// </remarks>
[Comparison("AddManyAsync: 100,000 new pairs", Order = 40)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyNewPairs : DatabaseBenchmark
{
    private BulkPairs _pairs = null!;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _pairs = await BulkPairs.SeedAsync(Database, "addnew");
    }

    [IterationSetup]
    public void EmptyMemberships() => _pairs.ClearAsync(Database).GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> Library()
    {
        var result = await PortfolioGroupMembership.AddManyAsync(Database.Store, _pairs.Refs);
        BulkPairs.Check(result.AlreadyPresent, 0, "already present");
        return BulkPairs.Check(result.Added, BulkPairs.Count, "added");
    }

    [Benchmark]
    public async Task<int> Raw() =>
        BulkPairs.Check(await _pairs.RawAsync(Database), BulkPairs.Count, "added");

    [Benchmark]
    public async Task<int> EfCore()
    {
        await using var context = Database.NewEfContext();
        context.Memberships.AddRange(_pairs.Pairs.Select(p => new EfMembership { Uid = Guid.CreateVersion7(), GroupUid = p.Group, PortfolioUid = p.Portfolio }));
        return BulkPairs.Check(await context.SaveChangesAsync(), BulkPairs.Count, "added");
    }
}

/// <summary>
/// The same 100,000 pairs again when every one is a membership already: nothing to write.
/// Library: <c>AddManyAsync</c>; Raw: the same plain path as in <see cref="AddManyNewPairs"/>.
/// </summary>
[Comparison("AddManyAsync: the same 100,000, all present", Order = 41)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyPresentPairs : DatabaseBenchmark
{
    private BulkPairs _pairs = null!;

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _pairs = await BulkPairs.SeedAsync(Database, "addpresent");
        await _pairs.SeedAllAsync(Database);
        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM ANALYZE portfolio_group_membership");
        }
    }

    [Benchmark]
    public async Task<int> Library()
    {
        var result = await PortfolioGroupMembership.AddManyAsync(Database.Store, _pairs.Refs);
        BulkPairs.Check(result.Added, 0, "added");
        return BulkPairs.Check(result.AlreadyPresent, BulkPairs.Count, "already present");
    }

    [Benchmark]
    public async Task<int> Raw() =>
        BulkPairs.Check(await _pairs.RawAsync(Database), 0, "added");
}

/// <summary>
/// Not a side-by-side case: which plain PostgreSQL path is fastest for 100,000 new pairs (one
/// <c>INSERT ... SELECT FROM unnest(...)</c>, or binary <c>COPY</c> into a temporary table then
/// <c>INSERT ... SELECT</c>), to pick the raw side of <see cref="AddManyNewPairs"/>. PostgreSQL only.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyRawPaths : DatabaseBenchmark
{
    private BulkPairs _pairs = null!;

    public static new IEnumerable<string> Databases => BenchDatabase.Names().Where(n => n == BenchDatabase.Postgres);

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _pairs = await BulkPairs.SeedAsync(Database, "rawpaths");
    }

    [IterationSetup]
    public void EmptyMemberships() => _pairs.ClearAsync(Database).GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> Unnest() => BulkPairs.Check(await _pairs.PostgresUnnestAsync(Database), BulkPairs.Count, "added");

    [Benchmark]
    public async Task<int> Copy() => BulkPairs.Check(await _pairs.PostgresCopyAsync(Database), BulkPairs.Count, "added");
}
