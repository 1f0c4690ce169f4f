using System.Data.Common;
using BenchmarkDotNet.Attributes;
using Dapper;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// What the index <c>ix_portfolio_group_membership_group</c> costs a bulk insert: 100,000 new
/// pairs (100 groups × 1,000 portfolios) with the index present and dropped, side by side.
/// PostgreSQL: one <c>INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING</c>. SQLite: one
/// prepared <c>INSERT ... ON CONFLICT DO NOTHING</c> run per pair inside one transaction.
/// </summary>
/// <remarks>
/// The index is created or dropped in the global setup and the schema is put back as it was
/// found in the global cleanup. Before every iteration the pairs are deleted (and, on PostgreSQL,
/// the table vacuumed), so every measured insert starts from the same table.
/// </remarks>
[MemoryDiagnoser]
[MedianColumn]
[Config(typeof(Comparison.ComparisonOneInvocationConfig))]
public class MembershipGroupIndex : DatabaseBenchmark
{
    public const string Index = "ix_portfolio_group_membership_group";
    public const int Groups = 100;
    public const int Portfolios = 1_000;
    public const int Count = Groups * Portfolios;

    private Guid[] _groups = [];
    private Guid[] _uids = [];
    private Guid[] _pairGroups = [];
    private Guid[] _pairPortfolios = [];
    private bool _indexWasThere;

    [Params("kept", "dropped")]
    public string GroupIndex { get; set; } = "kept";

    [GlobalSetup]
    public async Task GlobalSetupAsync()
    {
        await OpenDatabaseAsync();
        _groups = await Database.SeedRowsAsync("portfolio_group", "index-group", Groups);
        var portfolios = await Database.SeedRowsAsync("portfolio", "index-portfolio", Portfolios);
        _pairGroups = _groups.SelectMany(g => portfolios.Select(_ => g)).ToArray();
        _pairPortfolios = _groups.SelectMany(_ => portfolios).ToArray();
        _uids = _pairGroups.Select(_ => Guid.CreateVersion7()).ToArray();

        _indexWasThere = await Database.HasIndexAsync(Index);
        await SetIndexAsync(GroupIndex == "kept");
    }

    protected override Task BeforeCleanupAsync() => SetIndexAsync(_indexWasThere);

    [IterationSetup]
    public void DeletePairs() => DeletePairsAsync().GetAwaiter().GetResult();

    [Benchmark]
    public async Task<int> InsertPairs()
    {
        var connection = await Database.OpenConnectionAsync();
        await using (connection)
        {
            var transaction = await connection.BeginTransactionAsync();
            await using (transaction)
            {
                var inserted = Database.IsPostgres ? await InsertPostgresAsync(connection, transaction) : await InsertSqliteAsync(connection, transaction);
                await transaction.CommitAsync();
                return inserted == Count ? inserted : throw new InvalidOperationException($"Inserted {inserted} pairs, expected {Count}.");
            }
        }
    }

    private Task<int> InsertPostgresAsync(DbConnection connection, DbTransaction transaction) =>
        connection.ExecuteAsync(
            "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) SELECT u, g, p FROM unnest(@uids, @groups, @portfolios) AS t(u, g, p) "
            + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING",
            new { uids = _uids, groups = _pairGroups, portfolios = _pairPortfolios },
            transaction,
            commandTimeout: 600);

    private async Task<int> InsertSqliteAsync(DbConnection connection, DbTransaction transaction)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) VALUES (@uid, @group, @portfolio) "
            + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING";
        var uid = BenchDatabase.Parameter(command, "uid", "");
        var group = BenchDatabase.Parameter(command, "group", "");
        var portfolio = BenchDatabase.Parameter(command, "portfolio", "");
        await command.PrepareAsync();
        var inserted = 0;
        for (var i = 0; i < Count; i++)
        {
            uid.Value = _uids[i].ToString("D");
            group.Value = _pairGroups[i].ToString("D");
            portfolio.Value = _pairPortfolios[i].ToString("D");
            inserted += await command.ExecuteNonQueryAsync();
        }

        return inserted;
    }

    private async Task SetIndexAsync(bool present)
    {
        var table = "portfolio_group_membership";
        await Database.ExecuteAsync(present
            ? $"CREATE INDEX IF NOT EXISTS {Index} ON {table} (portfolio_group_uid)"
            : $"DROP INDEX IF EXISTS {Index}");
    }

    private async Task DeletePairsAsync()
    {
        foreach (var group in _groups)
        {
            await Database.ClearGroupAsync(group);
        }

        if (Database.IsPostgres)
        {
            await Database.ExecuteAsync("VACUUM portfolio_group_membership");
        }
    }
}
