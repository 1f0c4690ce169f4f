using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
/// There is no global or ambient store. Dispose it with <c>await using</c>; the synchronous
/// <see cref="Dispose"/> exists for owners that only dispose synchronously, such as a DI container.
/// </remarks>
public sealed class PortfolioStore : IAsyncDisposable, IDisposable
{
    private readonly Database _database;
    private readonly SchemaMigrator _migrator;
    private readonly ILogger _logger;
    private int _disposed;

    // The composition root: the one place that knows every layer, and wires them top to bottom.
    private PortfolioStore(Database database, PortfolioStoreOptions options)
    {
        _database = database;
        _logger = options.LoggerFactory?.CreateLogger(StoreLog.StoreCategory) ?? NullLogger.Instance;
        database.Telemetry = new CommandTelemetry(
            options.LoggerFactory?.CreateLogger(CommandTelemetry.LoggerCategory) ?? NullLogger.Instance, options.SlowCommandThreshold);
        _migrator = new SchemaMigrator(database);
        var portfolios = new PortfolioRepository(database);
        var groups = new PortfolioGroupRepository(database);
        Portfolios = new PortfolioService(portfolios);
        Groups = new PortfolioGroupService(groups);
        Memberships = new MembershipService(new MembershipRepository(database), portfolios, groups);
    }

    /// <summary>The database this store is open on.</summary>
    public DatabaseKind DatabaseKind => _database.Kind;

    /// <summary>The PostgreSQL schema holding the tables; null on SQLite.</summary>
    public string? Schema => _database.Schema;

    /// <summary>Every migration version this library ships, ascending; an applied version above the last is from a newer library.</summary>
    public static IReadOnlyList<long> LibraryMigrationVersions => LibraryMigrationSource.Versions;

    internal PortfolioService Portfolios { get; }

    internal PortfolioGroupService Groups { get; }

    internal MembershipService Memberships { get; }

    /// <summary>
    /// Opens a store on SQLite: a file (<c>Data Source=portfolios.db</c>) or a shared in-memory
    /// database (<c>Data Source=name;Mode=Memory;Cache=Shared</c>).
    /// </summary>
    /// <remarks>
    /// Every connection the store opens has foreign keys on (cascading deletes depend on it), even
    /// when the connection string says otherwise. A file database is switched to WAL, and a busy
    /// database is waited for up to the command timeout (<c>Default Timeout</c>, 30 s by default).
    /// A shared in-memory database is kept alive until the store is disposed. Every connection also
    /// gets <see cref="PortfolioStoreOptions.SqliteSynchronous"/> and <see cref="PortfolioStoreOptions.SqliteCacheSizeKiB"/>.
    /// Pending migrations are applied unless <see cref="PortfolioStoreOptions.MigrateOnOpen"/> is false.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The connection string is null.</exception>
    /// <exception cref="InvalidValueException">The connection string is empty or invalid, names a private in-memory database, or the database cannot be opened; or a SQLite option is out of range.</exception>
    public static async Task<PortfolioStore> OpenSqliteAsync(string connectionString, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        CheckConnectionString(connectionString);
        options ??= new PortfolioStoreOptions();
        var database = await SqliteDatabase.OpenAsync(connectionString, options, cancellationToken).ConfigureAwait(false);
        return await OpenAsync(database, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens a store on PostgreSQL from a connection string; the store owns the data source it builds.</summary>
    /// <remarks>
    /// The tables live in <see cref="PortfolioStoreOptions.PostgresSchema"/> (default <c>public</c>),
    /// created when missing. Pending migrations are applied unless <see cref="PortfolioStoreOptions.MigrateOnOpen"/> is false.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The connection string is null.</exception>
    /// <exception cref="InvalidValueException">The connection string or the schema name is invalid.</exception>
    public static Task<PortfolioStore> OpenPostgresAsync(string connectionString, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        CheckConnectionString(connectionString);
        options ??= new PortfolioStoreOptions();
        return OpenAsync(PostgresDatabase.Create(connectionString, options.PostgresSchema), options, cancellationToken);
    }

    /// <summary>Opens a store on PostgreSQL over an existing data source, which the caller keeps owning.</summary>
    /// <remarks>
    /// Migrations run through FluentMigrator on a connection of their own, built from the data
    /// source's connection string. Npgsql leaves the password out of that string unless it has
    /// <c>Persist Security Info=true</c>; where the password is needed, set that, or open with
    /// <see cref="PortfolioStoreOptions.MigrateOnOpen"/> false and migrate through a store opened
    /// from a connection string.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The data source is null.</exception>
    /// <exception cref="InvalidValueException">The schema name is invalid.</exception>
    public static Task<PortfolioStore> OpenPostgresAsync(NpgsqlDataSource dataSource, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= new PortfolioStoreOptions();
        return OpenAsync(PostgresDatabase.Over(dataSource, options.PostgresSchema), options, cancellationToken);
    }

    /// <summary>Applies every pending migration, then refreshes the catalog.</summary>
    /// <returns>The versions applied by this call (empty when the schema was up to date) and the state after it.</returns>
    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var result = await _migrator.UpAsync(cancellationToken).ConfigureAwait(false);
        if (result.Ran.Count > 0)
        {
            StoreLog.MigrationsApplied(_logger, result.Ran, result.Status.CurrentVersion);
        }
        else
        {
            StoreLog.SchemaUpToDate(_logger, result.Status.CurrentVersion);
        }

        return result;
    }

    /// <summary>Reverts applied migrations newer than <paramref name="targetVersion"/>, an applied version or 0 (before the first).</summary>
    /// <param name="targetVersion">The version to end at: one that is applied, or 0 to revert everything.</param>
    /// <param name="allowDataLoss">
    /// Must be true to revert the migration that creates the portfolio tables (a target before
    /// it, such as 0): that drops the tables with every row in them.
    /// </param>
    /// <param name="cancellationToken">Cancels the call before or after FluentMigrator runs.</param>
    /// <returns>The versions reverted by this call, newest first, and the state after it.</returns>
    /// <exception cref="InvalidValueException">The target is not 0 or an applied version, or the call would drop data without <paramref name="allowDataLoss"/>.</exception>
    public async Task<MigrationResult> MigrateDownAsync(long targetVersion, bool allowDataLoss = false, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        var result = await _migrator.DownAsync(targetVersion, allowDataLoss, cancellationToken).ConfigureAwait(false);
        if (result.Ran.Count > 0)
        {
            StoreLog.MigrationsReverted(_logger, result.Ran, result.Status.CurrentVersion);
        }

        return result;
    }

    /// <summary>Reads which of the library's migrations are applied and which are pending.</summary>
    public Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _migrator.StatusAsync(cancellationToken);
    }

    /// <summary>Reads the catalog table: each MetaTable as recorded in the database.</summary>
    /// <returns>The entries ordered by MetaTable identifier; empty before the catalog migration has run.</returns>
    public Task<IReadOnlyList<CatalogEntry>> ReadCatalogAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return _migrator.ReadCatalogAsync(cancellationToken);
    }

    /// <summary>Releases the store's connections; a data source passed in by the caller stays open.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _database.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Releases the store's connections synchronously, like <see cref="DisposeAsync"/>. Prefer
    /// <see cref="DisposeAsync"/>; this is for owners that can only dispose synchronously, such
    /// as <c>ServiceProvider.Dispose()</c>. Disposing twice, either way, does nothing the second time.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _database.Dispose();
        }
    }

    /// <summary>The store a row helper was given, checked: not null, not disposed.</summary>
    internal static PortfolioStore Usable(PortfolioStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        return store;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed != 0, this);

    private static void CheckConnectionString(string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new InvalidValueException(nameof(connectionString), "must not be empty.");
        }
    }

    private static async Task<PortfolioStore> OpenAsync(Database database, PortfolioStoreOptions options, CancellationToken cancellationToken)
    {
        var store = new PortfolioStore(database, options);
        try
        {
            StoreLog.Opened(store._logger, database.SystemName, database.Schema ?? "main", options.MigrateOnOpen);
            if (options.MigrateOnOpen)
            {
                await store.MigrateAsync(cancellationToken).ConfigureAwait(false);
            }

            return store;
        }
        catch
        {
            await store.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
