using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The data and the hand-written writes of the bulk-add comparisons (<see cref="AddManyNewPairs"/>,
/// <see cref="AddManyPresentPairs"/>, <see cref="AddPortfoliosNewMembers"/>, <see cref="AddManyVersusLoop"/>):
/// every seeded portfolio in every seeded group (by default 100 groups × 1,000 portfolios = 100,000
/// pairs), by uid, and each engine's plain ways to insert them.
/// </summary>
public sealed class BulkPairs
{
    public const int Groups = 100;
    public const int PortfoliosPerGroup = 1_000;

    private BulkPairs(Guid[] groups, Guid[] portfolios, (Guid Group, Guid Portfolio)[] pairs)
    {
        GroupUids = groups;
        PortfolioUids = portfolios;
        Pairs = pairs;
    }

    public Guid[] GroupUids { get; }

    public Guid[] PortfolioUids { get; }

    public (Guid Group, Guid Portfolio)[] Pairs { get; }

    /// <summary>The number of pairs.</summary>
    public int Count => Pairs.Length;

    /// <summary>The library's input: the same pairs as references by uid.</summary>
    public IEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> Refs =>
        Pairs.Select(p => ((PortfolioGroupRef)p.Group, (PortfolioRef)p.Portfolio));

    /// <summary>Seeds <paramref name="groups"/> groups and <paramref name="portfoliosPerGroup"/> portfolios (no memberships); the pairs are every group with every portfolio.</summary>
    public static async Task<BulkPairs> SeedAsync(BenchDatabase database, string prefix, int groups = Groups, int portfoliosPerGroup = PortfoliosPerGroup)
    {
        var groupUids = await database.SeedRowsAsync("portfolio_group", prefix + "-group", groups);
        var portfolioUids = await database.SeedRowsAsync("portfolio", prefix + "-portfolio", portfoliosPerGroup);
        var pairs = groupUids.SelectMany(g => portfolioUids.Select(p => (g, p))).ToArray();
        await database.AnalyzeAsync("portfolio_group, portfolio");
        return new BulkPairs(groupUids, portfolioUids, pairs);
    }

    /// <summary>Deletes every membership of the 100 groups (then, on PostgreSQL, vacuums the table so each iteration starts alike).</summary>
    public async Task ClearAsync(BenchDatabase database)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandTimeout = 600;
            if (database.IsPostgres)
            {
                command.CommandText = "DELETE FROM portfolio_group_membership WHERE portfolio_group_uid = ANY(@groups)";
                BenchDatabase.Parameter(command, "groups", GroupUids);
            }
            else
            {
                command.CommandText = "DELETE FROM portfolio_group_membership WHERE portfolio_group_uid IN (SELECT value FROM json_each(@groups))";
                BenchDatabase.Parameter(command, "groups", System.Text.Json.JsonSerializer.Serialize(GroupUids.Select(g => g.ToString("D"))));
            }

            await command.ExecuteNonQueryAsync();
        }

        if (database.IsPostgres)
        {
            await database.ExecuteAsync("VACUUM ANALYZE portfolio_group_membership");
        }
    }

    /// <summary>SQLite: one prepared INSERT ... ON CONFLICT DO NOTHING, run once per pair, in one transaction. Returns the rows inserted.</summary>
    public async Task<int> SqlitePreparedAsync(BenchDatabase database)
    {
        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) VALUES (@uid, @group, @portfolio) "
                                  + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING";
            var uid = BenchDatabase.Parameter(command, "uid", "");
            var group = BenchDatabase.Parameter(command, "group", "");
            var portfolio = BenchDatabase.Parameter(command, "portfolio", "");
            await command.PrepareAsync();
            var added = 0;
            foreach (var (g, p) in Pairs)
            {
                uid.Value = Guid.CreateVersion7().ToString("D");
                group.Value = g.ToString("D");
                portfolio.Value = p.ToString("D");
                added += await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
            return added;
        }
    }

    /// <summary>PostgreSQL: one INSERT ... SELECT FROM unnest of three arrays ... ON CONFLICT DO NOTHING. Returns the rows inserted.</summary>
    public async Task<int> PostgresUnnestAsync(BenchDatabase database)
    {
        var uids = new Guid[Pairs.Length];
        var groups = new Guid[Pairs.Length];
        var portfolios = new Guid[Pairs.Length];
        for (var i = 0; i < Pairs.Length; i++)
        {
            uids[i] = Guid.CreateVersion7();
            (groups[i], portfolios[i]) = Pairs[i];
        }

        var connection = await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var command = connection.CreateCommand();
            command.CommandTimeout = 600;
            command.CommandText = "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) "
                                  + "SELECT u, g, p FROM unnest(@uids::uuid[], @groups::uuid[], @portfolios::uuid[]) AS t(u, g, p) "
                                  + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING";
            BenchDatabase.Parameter(command, "uids", uids);
            BenchDatabase.Parameter(command, "groups", groups);
            BenchDatabase.Parameter(command, "portfolios", portfolios);
            return await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>PostgreSQL: binary COPY into a temporary table, then INSERT ... SELECT ... ON CONFLICT DO NOTHING, in one transaction. Returns the rows inserted.</summary>
    public async Task<int> PostgresCopyAsync(BenchDatabase database)
    {
        var connection = (NpgsqlConnection)await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var create = new NpgsqlCommand("CREATE TEMP TABLE bench_pairs (uid uuid, g uuid, p uuid) ON COMMIT DROP", connection, transaction))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using (var writer = await connection.BeginBinaryImportAsync("COPY bench_pairs (uid, g, p) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var (g, p) in Pairs)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                    await writer.WriteAsync(g, NpgsqlDbType.Uuid);
                    await writer.WriteAsync(p, NpgsqlDbType.Uuid);
                }

                await writer.CompleteAsync();
            }

            int added;
            await using (var insert = new NpgsqlCommand(
                             "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) SELECT uid, g, p FROM bench_pairs "
                             + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING",
                             connection,
                             transaction))
            {
                insert.CommandTimeout = 600;
                added = await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
            return added;
        }
    }

    /// <summary>
    /// PostgreSQL: binary COPY straight into the membership table. Valid for new pairs only: one pair
    /// already present fails the whole COPY (unique violation). Returns the rows copied.
    /// </summary>
    public async Task<int> PostgresCopyDirectAsync(BenchDatabase database)
    {
        var connection = (NpgsqlConnection)await database.OpenConnectionAsync();
        await using (connection)
        {
            await using var writer = await connection.BeginBinaryImportAsync(
                "COPY portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) FROM STDIN (FORMAT BINARY)");
            writer.Timeout = TimeSpan.FromMinutes(10);
            foreach (var (g, p) in Pairs)
            {
                await writer.StartRowAsync();
                await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await writer.WriteAsync(g, NpgsqlDbType.Uuid);
                await writer.WriteAsync(p, NpgsqlDbType.Uuid);
            }

            return checked((int)await writer.CompleteAsync());
        }
    }

    /// <summary>
    /// Inserts every pair (before a run that needs them present) with the plain path of each engine
    /// (SQLite: the prepared statement; PostgreSQL: unnest). Returns the rows inserted.
    /// </summary>
    public Task<int> SeedAllAsync(BenchDatabase database) =>
        database.IsPostgres ? PostgresUnnestAsync(database) : SqlitePreparedAsync(database);

    internal static int Check(long actual, long expected, string what) =>
        actual == expected ? (int)actual : throw new InvalidOperationException($"{what}: {actual}, expected {expected}.");
}
