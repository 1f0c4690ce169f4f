using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PortfolioGroups.Tests.Support;

/// <summary>The databases every behavioural fixture runs against.</summary>
public enum Db
{
    Sqlite,
    Postgres,

    /// <summary>
    /// PostgreSQL with the membership table hash-partitioned into <see cref="DatabaseTest.PartitionedFixturePartitions"/>
    /// partitions (<see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/>). A fixture given it
    /// sees <see cref="DatabaseTest.Db"/> as <see cref="Postgres"/>, and every store it opens gets the option.
    /// </summary>
    PostgresPartitioned,
}

/// <summary>Who owns the portfolio table a behavioural fixture runs on.</summary>
public enum PortfolioMode
{
    /// <summary>The library's own <c>portfolio</c> table.</summary>
    Library,

    /// <summary>
    /// A table the host owns, made by plain SQL before the store opens (<see cref="PortfolioTable.Existing"/>):
    /// <c>host_portfolio (id, code, title, calendar_uid NOT NULL, ...)</c> beside a <c>calendar</c> table,
    /// on PostgreSQL in a schema of its own (<c>host</c>). The library refuses portfolio writes there, so
    /// fixtures seed portfolios through <see cref="DatabaseTest.AddPortfolioAsync"/> and <see cref="DatabaseTest.SeedPortfoliosAsync"/>.
    /// </summary>
    Host,
}

/// <summary>
/// Base of the fixtures that run the same scenarios on both databases. Each fixture gets a
/// database of its own (a temp SQLite file, or a fresh PostgreSQL database), so fixtures can
/// run in parallel; <see cref="NewDatabaseAsync"/> makes another one for a test that needs it.
/// Derived fixtures say which databases they run on: <c>[TestFixture(Db.Sqlite)]</c>,
/// <c>[TestFixture(Db.Postgres)]</c>, usually both; <c>[TestFixture(Db.Postgres, "some_schema")]</c>
/// runs the fixture with the library's tables in a PostgreSQL schema other than <c>public</c>;
/// <c>[TestFixture(Db.Sqlite, null, PortfolioMode.Host)]</c> runs it on a portfolio table the host owns.
/// </summary>
public abstract class DatabaseTest(Db db, string? postgresSchema = null, PortfolioMode portfolioMode = PortfolioMode.Library)
{
    private const string HostSchemaName = "host";
    private const string HostTableName = "host_portfolio";

    private readonly List<string> _tempDirectories = [];
    private PortfolioStore? _store;

    /// <summary>The partitions of the membership table in a <see cref="Db.PostgresPartitioned"/> fixture.</summary>
    public const int PartitionedFixturePartitions = 16;

    /// <summary>The database engine: <see cref="Db.Sqlite"/> or <see cref="Db.Postgres"/> (a partitioned fixture's too).</summary>
    protected Db Db { get; } = db == Db.PostgresPartitioned ? Db.Postgres : db;

    /// <summary>The hash partitions of the fixture's membership table; 0 for a plain table.</summary>
    protected int MembershipPartitions { get; } = db == Db.PostgresPartitioned ? PartitionedFixturePartitions : 0;

    /// <summary>Whether the fixture's portfolios live in the library's table or in a table the host owns.</summary>
    protected PortfolioMode PortfolioMode { get; } = portfolioMode;

    /// <summary>True when the fixture runs on a portfolio table the host owns.</summary>
    protected bool IsHostMode => PortfolioMode == PortfolioMode.Host;

    /// <summary>The connection string of the fixture's database.</summary>
    protected string ConnectionString { get; private set; } = "";

    /// <summary>A store opened (and migrated) on the fixture's database.</summary>
    protected PortfolioStore Store => _store ?? throw new InvalidOperationException("The fixture's store is not open.");

    [OneTimeSetUp]
    public async Task OpenFixtureDatabaseAsync()
    {
        ConnectionString = await NewDatabaseAsync();
        if (IsHostMode)
        {
            await CreateHostSchemaAsync(ConnectionString);
            _store = await OpenStoreAsync(ConnectionString, new PortfolioStoreOptions { PortfolioTable = HostMapping });
        }
        else
        {
            _store = await OpenStoreAsync(ConnectionString);
        }
    }

    [OneTimeTearDown]
    public async Task CloseFixtureDatabaseAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        foreach (var directory in _tempDirectories)
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open elsewhere is left for the OS to clean.
            }
        }
    }

    /// <summary>Makes a new, empty database and returns its connection string.</summary>
    protected async Task<string> NewDatabaseAsync()
    {
        if (Db == Db.Postgres)
        {
            return await TestDatabases.CreatePostgresDatabaseAsync(GetType().Name);
        }

        var directory = Path.Combine(Path.GetTempPath(), "portfoliogroups-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        _tempDirectories.Add(directory);
        return new SqliteConnectionStringBuilder { DataSource = Path.Combine(directory, "test.db") }.ToString();
    }

    /// <summary>Opens a store on a database of this fixture's kind.</summary>
    protected Task<PortfolioStore> OpenStoreAsync(string connectionString, PortfolioStoreOptions? options = null)
    {
        if (Db == Db.Sqlite)
        {
            return PortfolioStore.OpenSqliteAsync(connectionString, options);
        }

        options ??= new PortfolioStoreOptions();
        if (MembershipPartitions > 0 && options.PostgresMembershipPartitions == 0)
        {
            options = options with { PostgresMembershipPartitions = MembershipPartitions };
        }

        return PortfolioStore.OpenPostgresAsync(connectionString, postgresSchema is null ? options : options with { PostgresSchema = postgresSchema });
    }

    /// <summary>The given options, with the fixture's portfolio table mapping in host mode: for a second store on the fixture's database.</summary>
    protected PortfolioStoreOptions WithFixturePortfolioTable(PortfolioStoreOptions options) =>
        IsHostMode ? options with { PortfolioTable = HostMapping } : options;

    /// <summary>Opens a plain driver connection, outside the library (on SQLite with foreign keys on, as any correct client must).</summary>
    protected async Task<DbConnection> OpenPlainConnectionAsync(string? connectionString = null)
    {
        DbConnection connection = Db == Db.Postgres
            ? new NpgsqlConnection(connectionString ?? ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(connectionString ?? ConnectionString) { ForeignKeys = true }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>PostgreSQL: the settings a function of the library's schema runs with (as "jit=off"), null when it has none or on SQLite.</summary>
    protected async Task<string?> FunctionSettingsAsync(string function, string? connectionString = null)
    {
        if (Db != Db.Postgres)
        {
            return null;
        }

        await using var connection = await OpenPlainConnectionAsync(connectionString);
        return await connection.ExecuteScalarAsync<string?>(
            "SELECT array_to_string(p.proconfig, ',') FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = @schema AND p.proname = @function",
            new { schema = PostgresSchema, function });
    }

    /// <summary>A uid as a SQL literal of this fixture's database: a uuid on PostgreSQL, its text on SQLite.</summary>
    protected string UidLiteral(Guid uid) => Db == Db.Postgres ? $"'{uid:D}'::uuid" : $"'{uid:D}'";

    /// <summary>The schema the library's tables are in on PostgreSQL.</summary>
    protected string PostgresSchema => postgresSchema ?? PortfolioStoreOptions.DefaultPostgresSchema;

    /// <summary>
    /// Qualifies a table name for plain SQL; in host mode <c>portfolio</c> names the host's table
    /// (whose key columns are <see cref="PortfolioUidColumn"/> and <see cref="PortfolioUniqueIdentifierColumn"/>).
    /// </summary>
    protected string Table(string physicalName) =>
        IsHostMode && physicalName == "portfolio" ? HostTable
        : Db == Db.Postgres ? $"\"{PostgresSchema}\".\"{physicalName}\"" : $"\"{physicalName}\"";

    /// <summary>Ignores the calling test in host mode: it tests portfolio writes, which the library refuses there.</summary>
    protected void IgnorePortfolioWritesInHostMode()
    {
        if (IsHostMode)
        {
            Assert.Ignore("portfolio writes belong to the host in host mode");
        }
    }

    /// <summary>The uid column of the fixture's portfolio table, for plain SQL.</summary>
    protected string PortfolioUidColumn => IsHostMode ? "id" : "uid";

    /// <summary>The unique identifier column of the fixture's portfolio table, for plain SQL.</summary>
    protected string PortfolioUniqueIdentifierColumn => IsHostMode ? "code" : "unique_identifier";

    /// <summary>The display name column of the fixture's portfolio table, for plain SQL.</summary>
    protected string PortfolioDisplayNameColumn => IsHostMode ? "title" : "display_name";

    /// <summary>
    /// Adds a portfolio as the fixture's owner of portfolios would: through the library in library
    /// mode, by plain SQL into the host's table in host mode; returns it as the library reads it.
    /// </summary>
    protected async Task<Portfolio> AddPortfolioAsync(string uniqueIdentifier, string? displayName = null)
    {
        if (!IsHostMode)
        {
            return await Portfolio.AddAsync(Store, uniqueIdentifier, displayName);
        }

        var uid = (await InsertHostPortfoliosAsync([(uniqueIdentifier, displayName)]))[0];
        return await Portfolio.GetAsync(Store, uid);
    }

    /// <summary>
    /// Deletes a portfolio as the fixture's owner of portfolios would: through the library in library
    /// mode, by plain SQL on the host's table in host mode (its memberships go by the cascade); true when it existed.
    /// </summary>
    protected async Task<bool> DeletePortfolioAsync(Guid uid)
    {
        if (!IsHostMode)
        {
            return await Portfolio.DeleteAsync(Store, uid);
        }

        await using var connection = await OpenPlainConnectionAsync();
        return await connection.ExecuteAsync($"DELETE FROM {HostTable} WHERE id = @uid", new { uid = Db == Db.Postgres ? (object)uid : uid.ToString("D") }) > 0;
    }

    /// <summary>
    /// Deletes a portfolio and puts it back under a new uid, as its owner would, racing other
    /// callers: through the library on <paramref name="store"/> in library mode; by plain SQL in host
    /// mode (the put-back does nothing when another caller has put it back already).
    /// </summary>
    protected async Task ReplacePortfolioAsync(PortfolioStore store, string uniqueIdentifier)
    {
        if (!IsHostMode)
        {
            await Portfolio.DeleteAsync(store, uniqueIdentifier);
            await Portfolio.AddAsync(store, uniqueIdentifier);
            return;
        }

        await using var connection = await OpenPlainConnectionAsync();
        await connection.ExecuteAsync($"DELETE FROM {HostTable} WHERE code = @code", new { code = uniqueIdentifier });
        var calendar = Db == Db.Postgres ? $"(SELECT uid FROM {HostSchemaName}.calendar LIMIT 1)" : "(SELECT uid FROM calendar LIMIT 1)";
        var uid = Guid.CreateVersion7();
        await connection.ExecuteAsync(
            $"INSERT INTO {HostTable} (id, code, calendar_uid) SELECT @uid, @code, {calendar} WHERE 1 = 1 ON CONFLICT (code) DO NOTHING",
            new { uid = Db == Db.Postgres ? (object)uid : uid.ToString("D"), code = uniqueIdentifier });
    }

    /// <summary>Inserts a portfolio into the host's table in the host's own transaction, as host code would (host mode only).</summary>
    protected async Task InsertHostPortfolioAsync(DbConnection connection, DbTransaction transaction, string code)
    {
        var calendar = Db == Db.Postgres ? $"(SELECT uid FROM {HostSchemaName}.calendar LIMIT 1)" : "(SELECT uid FROM calendar LIMIT 1)";
        var uid = Guid.CreateVersion7();
        await connection.ExecuteAsync(
            $"INSERT INTO {HostTable} (id, code, calendar_uid) SELECT @uid, @code, {calendar}",
            new { uid = Db == Db.Postgres ? (object)uid : uid.ToString("D"), code },
            transaction);
    }

    /// <summary>
    /// Adds many portfolios in one plain SQL statement (into the library's table, or the host's in
    /// host mode), without display names; returns their uids in order.
    /// </summary>
    protected async Task<Guid[]> SeedPortfoliosAsync(IReadOnlyList<string> uniqueIdentifiers)
    {
        if (!IsHostMode)
        {
            await using var connection = await OpenPlainConnectionAsync();
            return await Seed.RowsAsync(connection, Db, Table("portfolio"), uniqueIdentifiers);
        }

        return await InsertHostPortfoliosAsync([.. uniqueIdentifiers.Select(u => (u, (string?)null))]);
    }

    private string HostTable => Db == Db.Postgres ? $"{HostSchemaName}.{HostTableName}" : HostTableName;

    private PortfolioTable HostMapping => PortfolioTable.Existing(HostTableName, "id", "code", "title", Db == Db.Postgres ? HostSchemaName : null);

    private async Task CreateHostSchemaAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync(
                $"CREATE SCHEMA {HostSchemaName}; "
                + $"CREATE TABLE {HostSchemaName}.calendar (uid uuid PRIMARY KEY, name text NOT NULL); "
                + $"CREATE TABLE {HostTable} (id uuid PRIMARY KEY, code varchar(200) NOT NULL UNIQUE, title text, "
                + $"calendar_uid uuid NOT NULL REFERENCES {HostSchemaName}.calendar (uid), currency char(3) NOT NULL DEFAULT 'USD', created_at timestamptz NOT NULL DEFAULT now()); "
                + $"INSERT INTO {HostSchemaName}.calendar (uid, name) VALUES (gen_random_uuid(), 'NYSE')");
        }
        else
        {
            await connection.ExecuteAsync(
                "CREATE TABLE calendar (uid TEXT PRIMARY KEY, name TEXT NOT NULL); "
                + $"CREATE TABLE {HostTable} (id TEXT NOT NULL PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT, "
                + "calendar_uid TEXT NOT NULL REFERENCES calendar (uid), currency TEXT NOT NULL DEFAULT 'USD', created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP); "
                + "INSERT INTO calendar (uid, name) VALUES (@calendar, 'NYSE')",
                new { calendar = Guid.NewGuid().ToString() });
        }
    }

    private async Task<Guid[]> InsertHostPortfoliosAsync(IReadOnlyList<(string Code, string? Title)> rows)
    {
        var uids = rows.Select(_ => Guid.CreateVersion7()).ToArray();
        await using var connection = await OpenPlainConnectionAsync();
        var calendar = Db == Db.Postgres ? $"(SELECT uid FROM {HostSchemaName}.calendar LIMIT 1)" : "(SELECT uid FROM calendar LIMIT 1)";
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {HostTable} (id, code, title, calendar_uid) SELECT i, c, t, {calendar} FROM unnest(@ids, @codes, @titles) AS r(i, c, t)",
                new { ids = uids, codes = rows.Select(r => r.Code).ToArray(), titles = rows.Select(r => r.Title).ToArray() });
        }
        else
        {
            var json = System.Text.Json.JsonSerializer.Serialize(uids.Zip(rows, (u, r) => new[] { u.ToString("D"), r.Code, r.Title }));
            await connection.ExecuteAsync(
                $"INSERT INTO {HostTable} (id, code, title, calendar_uid) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), {calendar} FROM json_each(@rows)",
                new { rows = json });
        }

        return uids;
    }

    /// <summary>A unique identifier unique to this call, so tests sharing the fixture's database do not collide.</summary>
    protected static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)];
}
