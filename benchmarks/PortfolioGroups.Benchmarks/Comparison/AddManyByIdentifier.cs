using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace PortfolioGroups.Benchmarks.Comparison;

/// <summary>
/// The 100,000 pairs of <see cref="AddManyNewPairs"/> named by unique identifier on both sides.
/// Library: <c>PortfolioGroupMembership.AddManyAsync</c> with <c>PortfolioGroupRef.ByUniqueIdentifier</c>
/// and <c>PortfolioRef.ByUniqueIdentifier</c>. Raw, the plain path of each engine: the identifiers
/// into a temporary table (PostgreSQL <c>RawCopy</c>: binary <c>COPY</c>; SQLite <c>RawTemp</c>: one
/// prepared <c>INSERT</c> per row), then one <c>INSERT ... SELECT ... JOIN portfolio_group ... JOIN
/// portfolio ... ON CONFLICT DO NOTHING</c>, in one transaction; and SQLite <c>RawPrepared</c>, one
/// prepared <c>INSERT ... SELECT</c> resolving both identifiers per row. The plain paths do not check
/// for unknown identifiers (their joins drop such a pair); the library does, in the same statement.
/// </summary>
public abstract class ByIdentifierComparison(string prefix, bool present)
    : BulkAddBenchmark(prefix, BulkPairs.Groups, BulkPairs.PortfoliosPerGroup, present)
{
    private readonly string _prefix = prefix;
    private (string Group, string Portfolio)[] _ids = [];

    protected override Task AfterSeedAsync()
    {
        // The identifiers BenchDatabase.SeedRowsAsync gave the rows, in the order of their uids.
        var groups = Pairs.GroupUids.Select((_, i) => $"{BenchDatabase.Prefix}{_prefix}-group-{i:D6}").ToArray();
        var portfolios = Pairs.PortfolioUids.Select((_, i) => $"{BenchDatabase.Prefix}{_prefix}-portfolio-{i:D6}").ToArray();
        _ids = groups.SelectMany(g => portfolios.Select(p => (g, p))).ToArray();
        return Task.CompletedTask;
    }

    [Benchmark]
    public async Task<int> Library() => Checked(await PortfolioGroupMembership.AddManyAsync(
        Database.Store,
        _ids.Select(p => (PortfolioGroupRef.ByUniqueIdentifier(p.Group), PortfolioRef.ByUniqueIdentifier(p.Portfolio)))));

    [Benchmark]
    [OnlyOn(BenchDatabase.Postgres)]
    public async Task<int> RawCopy()
    {
        var connection = (NpgsqlConnection)await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using (var create = new NpgsqlCommand("CREATE TEMP TABLE bench_id_pairs (uid uuid, g text, p text) ON COMMIT DROP", connection, transaction))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using (var writer = await connection.BeginBinaryImportAsync("COPY bench_id_pairs (uid, g, p) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var (g, p) in _ids)
                {
                    await writer.StartRowAsync();
                    await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                    await writer.WriteAsync(g, NpgsqlDbType.Text);
                    await writer.WriteAsync(p, NpgsqlDbType.Text);
                }

                await writer.CompleteAsync();
            }

            int added;
            await using (var insert = new NpgsqlCommand(Insert, connection, transaction))
            {
                insert.CommandTimeout = 600;
                added = await insert.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
            return BulkPairs.Check(added, ExpectedAdded, "added");
        }
    }

    [Benchmark]
    [OnlyOn(BenchDatabase.Sqlite)]
    public async Task<int> RawTemp()
    {
        var connection = (SqliteConnection)await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await using (var create = new SqliteCommand("DROP TABLE IF EXISTS temp.bench_id_pairs; CREATE TEMP TABLE bench_id_pairs (uid TEXT, g TEXT, p TEXT)", connection, transaction))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using (var command = new SqliteCommand("INSERT INTO temp.bench_id_pairs (uid, g, p) VALUES ($u, $g, $p)", connection, transaction))
            {
                var u = command.Parameters.Add(new SqliteParameter("$u", ""));
                var g = command.Parameters.Add(new SqliteParameter("$g", ""));
                var p = command.Parameters.Add(new SqliteParameter("$p", ""));
                command.Prepare();
                foreach (var pair in _ids)
                {
                    u.Value = Guid.CreateVersion7().ToString("D");
                    (g.Value, p.Value) = pair;
                    await command.ExecuteNonQueryAsync();
                }
            }

            int added;
            await using (var insert = new SqliteCommand(Insert.Replace("FROM bench_id_pairs", "FROM temp.bench_id_pairs", StringComparison.Ordinal), connection, transaction))
            {
                added = await insert.ExecuteNonQueryAsync();
            }

            await using (var drop = new SqliteCommand("DROP TABLE temp.bench_id_pairs", connection, transaction))
            {
                await drop.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
            return BulkPairs.Check(added, ExpectedAdded, "added");
        }
    }

    [Benchmark]
    [OnlyOn(BenchDatabase.Sqlite)]
    public async Task<int> RawPrepared()
    {
        var connection = (SqliteConnection)await Database.OpenConnectionAsync();
        await using (connection)
        {
            await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync();
            await using var command = new SqliteCommand(
                "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) SELECT $u, g.uid, p.uid FROM portfolio_group g, portfolio p "
                + "WHERE g.unique_identifier = $g AND p.unique_identifier = $p ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING",
                connection,
                transaction);
            var u = command.Parameters.Add(new SqliteParameter("$u", ""));
            var gp = command.Parameters.Add(new SqliteParameter("$g", ""));
            var pp = command.Parameters.Add(new SqliteParameter("$p", ""));
            command.Prepare();
            var added = 0;
            foreach (var pair in _ids)
            {
                u.Value = Guid.CreateVersion7().ToString("D");
                (gp.Value, pp.Value) = pair;
                added += await command.ExecuteNonQueryAsync();
            }

            await transaction.CommitAsync();
            return BulkPairs.Check(added, ExpectedAdded, "added");
        }
    }

    private const string Insert =
        "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) SELECT t.uid, g.uid, p.uid FROM bench_id_pairs t "
        + "JOIN portfolio_group g ON g.unique_identifier = t.g JOIN portfolio p ON p.unique_identifier = t.p WHERE true "
        + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING";
}

/// <summary>100,000 new pairs by unique identifier (<see cref="ByIdentifierComparison"/>), into groups emptied before every call.</summary>
[Comparison("AddManyAsync by unique identifier: 100,000 new pairs", Order = 44)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyNewPairsByIdentifier() : ByIdentifierComparison("addidnew", present: false);

/// <summary>The same 100,000 pairs by unique identifier when every one is present already (<see cref="ByIdentifierComparison"/>).</summary>
[Comparison("AddManyAsync by unique identifier: the same 100,000, all present", Order = 45)]
[MemoryDiagnoser]
[Config(typeof(ComparisonBulkConfig))]
public class AddManyPresentPairsByIdentifier() : ByIdentifierComparison("addidpresent", present: true);
