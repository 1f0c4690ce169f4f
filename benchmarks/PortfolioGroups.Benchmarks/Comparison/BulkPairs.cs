using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The data and the hand-written writes shared by <see cref="AddManyNewPairs"/>,
/// <see cref="AddManyPresentPairs"/> and <see cref="AddManyRawPaths"/>: 100 groups × 1,000
/// portfolios = 100,000 pairs, by uid, and the engine's fastest plain ways to insert them.
/// </summary>
public sealed class BulkPairs
{
    public const int Groups = 100;
    public const int PortfoliosPerGroup = 1_000;
    public const int Count = Groups * PortfoliosPerGroup;

    private BulkPairs(Guid[] groups, (Guid Group, Guid Portfolio)[] pairs)
    {
        GroupUids = groups;
        Pairs = pairs;
    }

    public Guid[] GroupUids { get; }

    public (Guid Group, Guid Portfolio)[] Pairs { get; }

    /// <summary>The library's input: the same pairs as references by uid.</summary>
    public IEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> Refs =>
        Pairs.Select(p => ((PortfolioGroupRef)p.Group, (PortfolioRef)p.Portfolio));

    public static async Task<BulkPairs> SeedAsync(BenchDatabase database, string prefix)
    {
        var groups = await database.SeedRowsAsync("portfolio_group", prefix + "-group", Groups);
        var portfolios = await database.SeedRowsAsync("portfolio", prefix + "-portfolio", PortfoliosPerGroup);
        var pairs = groups.SelectMany(g => portfolios.Select(p => (g, p))).ToArray();
        return new BulkPairs(groups, pairs);
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
    public async Task<int> SqliteLoopAsync(BenchDatabase database)
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
    /// The PostgreSQL path the raw side uses ("unnest" or "copy"). Unnest in the run of 2026-11-29;
    /// in the same run <see cref="AddManyRawPaths"/> measured COPY faster (2.9 s against 6.2 s) while
    /// unnest's own median as the raw side was 3.2 s: not settled on this machine, re-measure.
    /// </summary>
    public const string PostgresFastest = "unnest";

    /// <summary>The raw side: the engine's fastest plain path. Returns the rows inserted.</summary>
    public Task<int> RawAsync(BenchDatabase database) =>
        !database.IsPostgres ? SqliteLoopAsync(database)
        : PostgresFastest == "copy" ? PostgresCopyAsync(database) : PostgresUnnestAsync(database);

    /// <summary>Inserts every pair (before a run that needs them present).</summary>
    public Task SeedAllAsync(BenchDatabase database) => RawAsync(database);

    internal static int Check(long actual, long expected, string what) =>
        actual == expected ? (int)actual : throw new InvalidOperationException($"{what}: {actual}, expected {expected}.");
}
