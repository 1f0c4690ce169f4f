using System.Text.RegularExpressions;
using Npgsql;
using PortfolioGroups.Migrations;
using PortfolioGroups.Repositories;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups;

/// <summary>
/// The entry point: an open PortfolioGroups database, on SQLite or PostgreSQL. Rows are read and
/// written through the static helpers of <see cref="Portfolio"/>, <see cref="PortfolioGroup"/>
/// and <see cref="PortfolioGroupMembership"/>, which take the store first.
/// </summary>
/// <remarks>
/// A store is safe to share between threads and tasks: each operation takes its own connection
/// from the pool. Open one per database and dispose it when done; disposing releases pooled
/// connections (and a data source the store created), but not a data source the caller passed in.
/// There is no global or ambient store.
/// </remarks>
public sealed partial class PortfolioStore : IAsyncDisposable
{
    private readonly SchemaMigrator _migrator;
    private int _disposed;

    private PortfolioStore(Database database, MigrationTarget target, string migrationConnectionString, bool overCallersDataSource = false)
    {
        Database = database;
        Schema = target.Schema;
        _migrator = new SchemaMigrator(database, target, migrationConnectionString, overCallersDataSource);
        var portfolios = new PortfolioRepository(this);
        var groups = new PortfolioGroupRepository(this);
        var memberships = new MembershipRepository(this);
        PortfolioService = new PortfolioService(portfolios, groups);
        GroupService = new PortfolioGroupService(portfolios, groups, memberships);
        MembershipService = new MembershipService(memberships);
    }

    /// <summary>The database this store is open on.</summary>
    public DatabaseKind DatabaseKind => Database.Dialect.Kind;

    /// <summary>The PostgreSQL schema holding the tables; null on SQLite.</summary>
    public string? Schema { get; }

    internal Database Database { get; }

    internal PortfolioService PortfolioService { get; }

    internal PortfolioGroupService GroupService { get; }

    internal MembershipService MembershipService { get; }

    /// <summary>
    /// Opens a store on SQLite: a file (<c>Data Source=portfolios.db</c>) or a shared in-memory
    /// database (<c>Data Source=name;Mode=Memory;Cache=Shared</c>).
    /// </summary>
    /// <remarks>
    /// Every connection the store opens has foreign keys on (cascading deletes depend on it), even
    /// when the connection string says otherwise. A file database is switched to WAL, and a busy
    /// database is waited for up to the command timeout (<c>Default Timeout</c>, 30 s by default).
    /// A shared in-memory database is kept alive until the store is disposed.
    /// Pending migrations are applied unless <see cref="PortfolioStoreOptions.MigrateOnOpen"/> is false.
    /// </remarks>
    /// <exception cref="InvalidValueException">The connection string is empty or names a private in-memory database.</exception>
    public static async Task<PortfolioStore> OpenSqliteAsync(string connectionString, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidValueException(nameof(connectionString), "must not be null or empty.");
        }

        options ??= new PortfolioStoreOptions();
        Database database;
        try
        {
            database = await Database.ForSqliteAsync(connectionString, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidValueException(nameof(connectionString), ex.Message);
        }

        var store = new PortfolioStore(database, new MigrationTarget(DatabaseKind.Sqlite, null), database.SqliteMigrationConnectionString);
        return await store.FinishOpeningAsync(options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a store on PostgreSQL from a connection string; the store owns the data source it builds.</summary>
    /// <remarks>
    /// The tables live in <see cref="PortfolioStoreOptions.PostgresSchema"/> (default <c>public</c>),
    /// created when missing. Pending migrations are applied unless <see cref="PortfolioStoreOptions.MigrateOnOpen"/> is false.
    /// </remarks>
    /// <exception cref="InvalidValueException">The connection string or the schema name is invalid.</exception>
    public static async Task<PortfolioStore> OpenPostgresAsync(string connectionString, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidValueException(nameof(connectionString), "must not be null or empty.");
        }

        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidValueException(nameof(connectionString), ex.Message);
        }

        return await OpenPostgresAsync(dataSource, ownsDataSource: true, connectionString, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a store on PostgreSQL over an existing data source, which the caller keeps owning.</summary>
    /// <remarks>
    /// Migrations run through FluentMigrator on a connection of their own, built from the data
    /// source's connection string. Npgsql leaves the password out of that string unless it has
    /// <c>Persist Security Info=true</c>; where the password is needed, set that, or open with
    /// <see cref="PortfolioStoreOptions.MigrateOnOpen"/> false and migrate through a store opened
    /// from a connection string.
    /// </remarks>
    /// <exception cref="InvalidValueException">The schema name is invalid.</exception>
    public static Task<PortfolioStore> OpenPostgresAsync(NpgsqlDataSource dataSource, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        return OpenPostgresAsync(dataSource, ownsDataSource: false, dataSource.ConnectionString, options, cancellationToken);
    }

    /// <summary>Applies every pending migration, then refreshes the catalog.</summary>
    /// <returns>The versions applied by this call (empty when the schema was up to date) and the state after it.</returns>
    public Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _migrator.UpAsync(cancellationToken);
    }

    /// <summary>Reverts applied migrations newer than <paramref name="targetVersion"/>; 0 reverts everything and drops the tables with their data.</summary>
    /// <returns>The versions reverted by this call, newest first, and the state after it.</returns>
    public Task<MigrationResult> MigrateDownAsync(long targetVersion, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _migrator.DownAsync(targetVersion, cancellationToken);
    }

    /// <summary>Reads which of the library's migrations are applied and which are pending.</summary>
    public Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _migrator.StatusAsync(cancellationToken);
    }

    /// <summary>Reads the catalog table: each MetaTable as recorded in the database.</summary>
    /// <returns>The entries ordered by MetaTable identifier; empty before the catalog migration has run.</returns>
    public async Task<IReadOnlyList<CatalogEntry>> ReadCatalogAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var status = await GetMigrationStatusAsync(cancellationToken).ConfigureAwait(false);
        if (!status.AppliedVersions.Contains(LibraryMigrationSource.CatalogVersion))
        {
            return [];
        }

        return await Database.QueryAsync(
            "catalog.read",
            Database.Dialect.SelectCatalog,
            null,
            SchemaMigrator.ReadCatalogEntry,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Releases the store's connections; a data source passed in by the caller stays open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await Database.DisposeAsync().ConfigureAwait(false);
        }
    }

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    /// <summary>The store a row helper was given, checked: not null, not disposed.</summary>
    internal static PortfolioStore Usable(PortfolioStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        return store;
    }

    private static async Task<PortfolioStore> OpenPostgresAsync(NpgsqlDataSource dataSource, bool ownsDataSource, string migrationConnectionString, PortfolioStoreOptions? options, CancellationToken cancellationToken)
    {
        options ??= new PortfolioStoreOptions();
        var schema = options.PostgresSchema;
        if (schema is null || !SchemaName().IsMatch(schema) || schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            if (ownsDataSource)
            {
                await dataSource.DisposeAsync().ConfigureAwait(false);
            }

            throw new InvalidValueException(nameof(PortfolioStoreOptions.PostgresSchema), $"'{schema}' is not a plain schema name (lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters, not starting with pg_).");
        }

        var database = Database.ForPostgres(dataSource, ownsDataSource, schema);
        // FluentMigrator's own connection is not pooled, so disposing the store leaves none open.
        var unpooled = new NpgsqlConnectionStringBuilder(migrationConnectionString) { Pooling = false }.ConnectionString;
        var store = new PortfolioStore(database, new MigrationTarget(DatabaseKind.Postgres, schema), unpooled, overCallersDataSource: !ownsDataSource);
        return await store.FinishOpeningAsync(options, cancellationToken).ConfigureAwait(false);
    }

    private async Task<PortfolioStore> FinishOpeningAsync(PortfolioStoreOptions options, CancellationToken cancellationToken)
    {
        try
        {
            if (options.MigrateOnOpen)
            {
                await MigrateAsync(cancellationToken).ConfigureAwait(false);
            }

            return this;
        }
        catch
        {
            await DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
