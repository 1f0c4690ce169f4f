using BenchmarkDotNet.Attributes;
using Dapper;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// Deleting 5,000 memberships by uid: the library's bulk delete (one statement, the keys as one
/// JSON array or PostgreSQL array parameter) against Dapper's <c>ExecuteAsync(sql, IEnumerable)</c>
/// inside one transaction, which runs the statement once per key.
/// </summary>
/// <remarks>The memberships are re-inserted (set-based) before every iteration, so each measured call deletes all 5,000.</remarks>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(OneInvocationPerIterationConfig))]
public class BulkDeleteMemberships : DatabaseBenchmark
{
    public const int Count = 5_000;
    private const int Groups = 5;

    private Guid[] _groups = [];
    private (Guid Uid, Guid Group, Guid Portfolio)[] _memberships = [];
    private Guid[] _uids = [];

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _groups = await Database.SeedRowsAsync("portfolio_group", "bulk-group", Groups);
        var portfolios = await Database.SeedRowsAsync("portfolio", "bulk-portfolio", Count / Groups);
        _memberships = _groups
            .SelectMany(g => portfolios.Select(p => (Uid: Guid.CreateVersion7(), Group: g, Portfolio: p)))
            .ToArray();
        _uids = _memberships.Select(m => m.Uid).ToArray();
    }

    [IterationSetup]
    public void ReseedMemberships() => ReseedAsync().GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> LibraryBulkDelete()
    {
        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(Database.Store, _uids);
        return Checked(deleted);
    }

    [Benchmark(Baseline = true)]
    public async Task<int> DapperLoopInTransaction()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync();
            await using (transaction)
            {
                const string sql = "DELETE FROM portfolio_group_membership WHERE uid = @uid";
                var deleted = Database.IsPostgres
                    ? await connection.ExecuteAsync(sql, _uids.Select(u => new { uid = u }), transaction)
                    : await connection.ExecuteAsync(sql, _uids.Select(u => new { uid = u.ToString("D") }), transaction);
                await transaction.CommitAsync();
                return Checked(deleted);
            }
        }
    }

    private static int Checked(int deleted) =>
        deleted == Count ? deleted : throw new InvalidOperationException($"Deleted {deleted} memberships, expected {Count}.");

    private async Task ReseedAsync()
    {
        // Whatever an earlier iteration left (nothing, unless it failed) goes first.
        foreach (var group in _groups)
        {
            await Database.ClearGroupAsync(group);
        }

        await Database.SeedMembershipsAsync(_memberships);
    }
}
