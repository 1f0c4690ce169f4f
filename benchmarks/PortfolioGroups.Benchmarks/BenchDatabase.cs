using System.Data.Common;
using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PortfolioGroups.Benchmarks;

/// <summary>
/// The database one benchmark process runs on: a store opened through the library (which
/// migrates on open), plus plain connections for the naive baselines and for set-based seeding.
/// </summary>
/// <remarks>
/// SQLite is a fresh file in a temp directory, removed on dispose. PostgreSQL is the server in
/// <see cref="PostgresVariable"/>, schema <c>public</c>; only rows whose unique identifiers start
/// with <see cref="Prefix"/> are written and removed (memberships go with them by cascade).
/// </remarks>
public sealed class BenchDatabase : IAsyncDisposable
{
    /// <summary>The environment variable holding a PostgreSQL connection string; when set, benchmarks also run there.</summary>
    public const string PostgresVariable = "PORTFOLIOGROUPS_BENCH_POSTGRES";

    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";

    /// <summary>Every row the benchmarks create has a unique identifier starting with this.</summary>
    public const string Prefix = "bench-";

    private readonly string? _sqliteConnectionString;
    private string? _postgresConnectionString;
    private readonly string? _directory;
    private readonly NpgsqlDataSource? _dataSource;
    private Microsoft.EntityFrameworkCore.DbContextOptions<Comparison.EfContext>? _efOptions;

    private BenchDatabase(PortfolioStore store, string? sqliteConnectionString, string? directory, NpgsqlDataSource? dataSource)
    {
        Store = store;
        _sqliteConnectionString = sqliteConnectionString;
        _directory = directory;
        _dataSource = dataSource;
    }

    /// <summary>The library's store on this database.</summary>
    public PortfolioStore Store { get; }

    public bool IsPostgres => _dataSource is not null;

    /// <summary>The plain SQLite connection string (the database file, foreign keys on); null on PostgreSQL.</summary>
    public string? SqliteConnectionString => _sqliteConnectionString;

    /// <summary>The values of a benchmark's <c>Db</c> parameter: SQLite always, PostgreSQL when <see cref="PostgresVariable"/> is set.</summary>
    public static IEnumerable<string> Names() =>
        string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresVariable)) ? [Sqlite] : [Sqlite, Postgres];

    public static async Task<BenchDatabase> OpenAsync(string name)
    {
        if (name == Postgres)
        {
            var connectionString = Environment.GetEnvironmentVariable(PostgresVariable)
                ?? throw new InvalidOperationException($"{PostgresVariable} is not set.");
            var store = await PortfolioStore.OpenPostgresAsync(connectionString);
            var database = new BenchDatabase(store, null, null, NpgsqlDataSource.Create(connectionString)) { _postgresConnectionString = connectionString };
            await database.RemoveBenchRowsAsync();
            return database;
        }

        var directory = Path.Combine(Path.GetTempPath(), "portfoliogroups-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, "bench.db");
        var sqliteStore = await PortfolioStore.OpenSqliteAsync($"Data Source={path}");
        // What a careful plain client would use: foreign keys on (SQLite's default is off), pooled.
        var plain = new SqliteConnectionStringBuilder { DataSource = path, ForeignKeys = true, Pooling = true }.ToString();
        return new BenchDatabase(sqliteStore, plain, directory, null);
    }

    /// <summary>A new EF Core context on this database (options built once), for the comparison's <c>EfCore</c> side.</summary>
    public Comparison.EfContext NewEfContext()
    {
        _efOptions ??= Comparison.EfContext.Options(_postgresConnectionString ?? _sqliteConnectionString!, IsPostgres);
        return new Comparison.EfContext(_efOptions, IsPostgres);
    }

    /// <summary>
    /// Puts every portfolio given into every group given, in one
    /// server-side statement (a cross join), so a million memberships take seconds.
    /// </summary>
    /// <remarks>
    /// Membership uids are made by the database from the two rows' numbers (unique per pair, in
    /// insertion order, so the primary key grows at its end): on PostgreSQL from their row numbers
    /// in this call, on SQLite from their rowids, as canonical lower-case text. One call per process.
    /// </remarks>
    public async Task SeedAllPairsAsync(Guid[] groups, Guid[] portfolios)
    {
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            if (IsPostgres)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) "
                    + "SELECT (lpad(to_hex(g.n), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(p.n), 12, '0'))::uuid, g.uid, p.uid "
                    + "FROM (SELECT uid, row_number() OVER (ORDER BY uid) AS n FROM portfolio_group WHERE uid = ANY(@groups)) g "
                    + "CROSS JOIN (SELECT uid, row_number() OVER (ORDER BY uid) AS n FROM portfolio WHERE uid = ANY(@portfolios)) p ORDER BY 1",
                    new { groups, portfolios },
                    commandTimeout: 600);
            }
            else
            {
                await connection.ExecuteAsync(
                    "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) "
                    + "SELECT printf('%08x-0000-4000-8000-%012x', g.rowid, p.rowid), g.uid, p.uid FROM portfolio_group g CROSS JOIN portfolio p "
                    + "WHERE g.uid IN (SELECT value FROM json_each(@groups)) AND p.uid IN (SELECT value FROM json_each(@portfolios))",
                    new
                    {
                        groups = JsonSerializer.Serialize(groups.Select(g => g.ToString("D"))),
                        portfolios = JsonSerializer.Serialize(portfolios.Select(p => p.ToString("D"))),
                    },
                    commandTimeout: 600);
            }
        }
    }

    /// <summary>Whether the membership table has an index of this name.</summary>
    public async Task<bool> HasIndexAsync(string index)
    {
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            var sql = IsPostgres
                ? "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND indexname = @index"
                : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = @index";
            return await connection.ExecuteScalarAsync<long>(sql, new { index }) > 0;
        }
    }

    /// <summary>Refreshes PostgreSQL's statistics of the tables after seeding (SQLite plans without them).</summary>
    public Task AnalyzeAsync(string tables) => IsPostgres ? ExecuteAsync($"ANALYZE {tables}") : Task.CompletedTask;

    /// <summary>Adds a named parameter to a raw command, for the hand-written side of a comparison.</summary>
    public static DbParameter Parameter(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    /// <summary>Runs one statement on a plain connection (DDL, VACUUM), with no parameters.</summary>
    public async Task ExecuteAsync(string sql)
    {
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            await connection.ExecuteAsync(sql, commandTimeout: 600);
        }
    }

    /// <summary>Opens a plain pooled connection, as a caller without the library would.</summary>
    public async Task<DbConnection> OpenConnectionAsync()
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync();
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A uid as a plain parameter value: a <see cref="Guid"/> on PostgreSQL, lower-case text on SQLite.</summary>
    public object Uid(Guid uid) => IsPostgres ? uid : uid.ToString("D");

    /// <summary>Inserts portfolios (or groups, with the identifier as display name) in one statement; returns their uids in order.</summary>
    public async Task<Guid[]> SeedRowsAsync(string table, string identifierPrefix, int count)
    {
        var identifiers = Enumerable.Range(0, count).Select(i => $"{Prefix}{identifierPrefix}-{i:D6}").ToArray();
        var uids = identifiers.Select(_ => Guid.CreateVersion7()).ToArray();
        var isGroup = table == "portfolio_group";
        var columns = isGroup ? "uid, unique_identifier, display_name" : "uid, unique_identifier";
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            if (IsPostgres)
            {
                await connection.ExecuteAsync(
                    $"INSERT INTO {table} ({columns}) SELECT u, i{(isGroup ? ", i" : "")} FROM unnest(@uids, @ids) AS t(u, i)",
                    new { uids, ids = identifiers });
            }
            else
            {
                var rows = JsonSerializer.Serialize(uids.Zip(identifiers, (u, i) => new[] { u.ToString("D"), i }));
                const string identifier = "json_extract(value, '$[1]')";
                await connection.ExecuteAsync(
                    $"INSERT INTO {table} ({columns}) SELECT json_extract(value, '$[0]'), {identifier}{(isGroup ? ", " + identifier : "")} FROM json_each(@rows)",
                    new { rows });
            }
        }

        return uids;
    }

    /// <summary>Inserts memberships with the given uids and pairs in one statement.</summary>
    public async Task SeedMembershipsAsync(IReadOnlyList<(Guid Uid, Guid Group, Guid Portfolio)> memberships)
    {
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            if (IsPostgres)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) SELECT u, g, p FROM unnest(@uids, @groups, @portfolios) AS t(u, g, p)",
                    new
                    {
                        uids = memberships.Select(m => m.Uid).ToArray(),
                        groups = memberships.Select(m => m.Group).ToArray(),
                        portfolios = memberships.Select(m => m.Portfolio).ToArray(),
                    });
            }
            else
            {
                var rows = JsonSerializer.Serialize(memberships.Select(m => new[] { m.Uid.ToString("D"), m.Group.ToString("D"), m.Portfolio.ToString("D") }));
                await connection.ExecuteAsync(
                    "INSERT INTO portfolio_group_membership (uid, portfolio_group_uid, portfolio_uid) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(@rows)",
                    new { rows });
            }
        }
    }

    /// <summary>Deletes every membership of one group.</summary>
    public async Task ClearGroupAsync(Guid group)
    {
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            await connection.ExecuteAsync("DELETE FROM portfolio_group_membership WHERE portfolio_group_uid = @group", new { group = Uid(group) });
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsPostgres)
        {
            await RemoveBenchRowsAsync();
        }

        await Store.DisposeAsync();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_directory is not null)
        {
            // Pooled connections keep the file open.
            SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Removes the rows an earlier (possibly interrupted) run left; memberships go by cascade.</summary>
    private async Task RemoveBenchRowsAsync()
    {
        var connection = await OpenConnectionAsync();
        await using (connection)
        {
            var prefix = new { pattern = Prefix + "%" };
            // Memberships first, by group: the same rows the cascade would delete, with a plan that
            // does not depend on the planner guessing the portfolios' count.
            await connection.ExecuteAsync(
                "DELETE FROM portfolio_group_membership WHERE portfolio_group_uid IN (SELECT uid FROM portfolio_group WHERE unique_identifier LIKE @pattern)",
                prefix,
                commandTimeout: 600);
            await connection.ExecuteAsync("DELETE FROM portfolio WHERE unique_identifier LIKE @pattern", prefix, commandTimeout: 600);
            await connection.ExecuteAsync("DELETE FROM portfolio_group WHERE unique_identifier LIKE @pattern", prefix);
        }
    }
}
