using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PortfolioGroups.Tests.Support;

/// <summary>The databases every behavioural fixture runs against.</summary>
public enum Db
{
    Sqlite,
    Postgres,
}

/// <summary>
/// Base of the fixtures that run the same scenarios on both databases. Each fixture gets a
/// database of its own (a temp SQLite file, or a fresh PostgreSQL database), so fixtures can
/// run in parallel; <see cref="NewDatabaseAsync"/> makes another one for a test that needs it.
/// Derived fixtures say which databases they run on: <c>[TestFixture(Db.Sqlite)]</c>,
/// <c>[TestFixture(Db.Postgres)]</c>, usually both; <c>[TestFixture(Db.Postgres, "some_schema")]</c>
/// runs the fixture with the library's tables in a PostgreSQL schema other than <c>public</c>.
/// </summary>
public abstract class DatabaseTest(Db db, string? postgresSchema = null)
{
    private readonly List<string> _tempDirectories = [];
    private PortfolioStore? _store;

    protected Db Db { get; } = db;

    /// <summary>The connection string of the fixture's database.</summary>
    protected string ConnectionString { get; private set; } = "";

    /// <summary>A store opened (and migrated) on the fixture's database.</summary>
    protected PortfolioStore Store => _store ?? throw new InvalidOperationException("The fixture's store is not open.");

    [OneTimeSetUp]
    public async Task OpenFixtureDatabaseAsync()
    {
        ConnectionString = await NewDatabaseAsync();
        _store = await OpenStoreAsync(ConnectionString);
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
        return PortfolioStore.OpenPostgresAsync(connectionString, postgresSchema is null ? options : options with { PostgresSchema = postgresSchema });
    }

    /// <summary>Opens a plain driver connection, outside the library (on SQLite with foreign keys on, as any correct client must).</summary>
    protected async Task<DbConnection> OpenPlainConnectionAsync(string? connectionString = null)
    {
        DbConnection connection = Db == Db.Postgres
            ? new NpgsqlConnection(connectionString ?? ConnectionString)
            : new SqliteConnection(new SqliteConnectionStringBuilder(connectionString ?? ConnectionString) { ForeignKeys = true }.ToString());
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>The schema the library's tables are in on PostgreSQL.</summary>
    protected string PostgresSchema => postgresSchema ?? PortfolioStoreOptions.DefaultPostgresSchema;

    /// <summary>Qualifies a table name for plain SQL.</summary>
    protected string Table(string physicalName) => Db == Db.Postgres ? $"\"{PostgresSchema}\".\"{physicalName}\"" : $"\"{physicalName}\"";

    /// <summary>A unique identifier unique to this call, so tests sharing the fixture's database do not collide.</summary>
    protected static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..(name.Length + 13)];
}
