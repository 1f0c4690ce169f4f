using System.Data.Common;
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
    private readonly PortfolioStore? _parent;
    private int _disposed;

    // The composition root: the one place that knows every layer, and wires them top to bottom.
    private PortfolioStore(Database database, PortfolioStoreOptions options)
    {
        _database = database;
        _logger = options.LoggerFactory?.CreateLogger(StoreLog.StoreCategory) ?? NullLogger.Instance;
        database.Telemetry = new CommandTelemetry(
            options.LoggerFactory?.CreateLogger(CommandTelemetry.LoggerCategory) ?? NullLogger.Instance, options.SlowCommandThreshold);
        _migrator = new SchemaMigrator(database);
        (Portfolios, Groups, Memberships) = Services(database);
    }

    // The store of a transaction: the parent's settings, every command on the transaction's connection.
    private PortfolioStore(PortfolioStore parent, Database bound)
    {
        _parent = parent;
        _database = bound;
        _logger = parent._logger;
        _migrator = new SchemaMigrator(bound);
        (Portfolios, Groups, Memberships) = Services(bound);
    }

    private static (PortfolioService, PortfolioGroupService, MembershipService) Services(Database database)
    {
        var portfolios = new PortfolioRepository(database);
        var groups = new PortfolioGroupRepository(database);
        return (new PortfolioService(portfolios), new PortfolioGroupService(groups), new MembershipService(new MembershipRepository(database), portfolios, groups));
    }

    /// <summary>The database this store is open on.</summary>
    public DatabaseKind DatabaseKind => _database.Kind;

    /// <summary>The PostgreSQL schema holding the tables; null on SQLite.</summary>
    public string? Schema => _database.Schema;

    /// <summary>
    /// Which table holds the portfolios (<see cref="PortfolioStoreOptions.PortfolioTable"/>): the
    /// library's own, or a host's table that the library reads and never writes.
    /// </summary>
    public PortfolioTable PortfolioTable => _database.PortfolioTable;

    /// <summary>Every migration version this library ships, ascending; an applied version above the last is from a newer library.</summary>
    public static IReadOnlyList<long> LibraryMigrationVersions => LibraryMigrationSource.Versions;

    /// <summary>The store rows read or written through this one are bound to: itself, or for a transaction's store the store that began or joined it.</summary>
    internal PortfolioStore RowOwner => _parent ?? this;

    /// <summary>The database the store's commands run on.</summary>
    internal Database Database => _database;

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
        return OpenAsync(PostgresDatabase.Create(connectionString, options), options, cancellationToken);
    }

    /// <summary>Opens a store on PostgreSQL over an existing data source, which the caller keeps owning.</summary>
    /// <remarks>
    /// Migrations run on a connection from this data source, so its credentials (a password
    /// provider, SCRAM) apply to them as to every other call.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The data source is null.</exception>
    /// <exception cref="InvalidValueException">The schema name is invalid.</exception>
    public static Task<PortfolioStore> OpenPostgresAsync(NpgsqlDataSource dataSource, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= new PortfolioStoreOptions();
        return OpenAsync(PostgresDatabase.Over(dataSource, options), options, cancellationToken);
    }

    /// <summary>
    /// Opens a store on PostgreSQL over a primary and its standbys (streaming replicas), which the
    /// caller keeps owning. Writes, transactions and migrations go to the primary; reads go where
    /// <see cref="PortfolioStoreOptions.PostgresReads"/> says (the primary by default).
    /// </summary>
    /// <remarks>
    /// <para>
    /// With <see cref="PostgresReadTarget.PreferStandby"/>, reads outside a transaction run on a
    /// standby when one is up, and with <see cref="PortfolioStoreOptions.ReadYourWrites"/> (on by
    /// default) they see every write this store committed before them: per store instance, not
    /// across stores or processes. When the primary goes away, writes fail with a
    /// <see cref="TransientStorageException"/> and reads go on from the standbys; once a standby
    /// is promoted, writes succeed again without reopening the store. See docs/scale-out.md.
    /// </para>
    /// <para>
    /// Migrations need the primary: opening with <see cref="PortfolioStoreOptions.MigrateOnOpen"/>
    /// when no host is a primary throws a <see cref="StoreOpenException"/> with
    /// <see cref="StoreOpenFailure.NoPrimary"/>. A connection string that names several hosts
    /// (<c>OpenPostgresAsync(string, ...)</c>) is routed the same way.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentNullException">The data source is null.</exception>
    /// <exception cref="InvalidValueException">The schema name is invalid.</exception>
    /// <exception cref="StoreOpenException">Migrating on open, and no host is a primary.</exception>
    public static Task<PortfolioStore> OpenPostgresAsync(NpgsqlMultiHostDataSource dataSource, PortfolioStoreOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        options ??= new PortfolioStoreOptions();
        return OpenAsync(PostgresDatabase.Over(dataSource, options), options, cancellationToken);
    }

    /// <summary>
    /// Begins a transaction of the store's own: every call given <see cref="PortfolioTransaction.Store"/>
    /// runs inside it, and they commit together with <see cref="PortfolioTransaction.CommitAsync"/>.
    /// </summary>
    /// <remarks>
    /// Disposing the transaction without a commit rolls it back. On SQLite the transaction takes the
    /// database's write lock at once (<c>BEGIN IMMEDIATE</c>): another writer, a second transaction
    /// included, waits for it to end, up to the command timeout. See docs/transactions.md.
    /// </remarks>
    /// <exception cref="InvalidOperationException">This store is already a transaction's store.</exception>
    /// <exception cref="TransientStorageException">The database cannot be reached, or stayed busy.</exception>
    public async Task<PortfolioTransaction> BeginTransactionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(BeginTransactionAsync));
        var binding = await _database.BeginBindingAsync(cancellationToken).ConfigureAwait(false);
        return new PortfolioTransaction(new PortfolioStore(this, _database.BindTo(binding)), binding);
    }

    /// <summary>
    /// Runs library calls inside the host's transaction: every call given
    /// <see cref="PortfolioTransaction.Store"/> runs on the transaction's connection, in it, and
    /// commits or rolls back with it.
    /// </summary>
    /// <param name="transaction">
    /// An open transaction on the store's database, of the store's driver: EF Core's
    /// <c>Database.CurrentTransaction.GetDbTransaction()</c>, or a transaction the host began on its
    /// own <c>NpgsqlConnection</c> or <c>SqliteConnection</c> (with Dapper, say).
    /// </param>
    /// <remarks>
    /// The host owns the transaction and its connection: the library never commits, rolls back or
    /// closes them (<see cref="PortfolioTransaction.CommitAsync"/> refuses). The host must not run
    /// its own commands on the connection while a library call is running. On SQLite the
    /// connection must have foreign keys on (EF Core turns them on; a plain connection needs
    /// <c>Foreign Keys=True</c>), and the library's search function is registered on it.
    /// </remarks>
    /// <returns>The joined transaction; dispose it when done (that leaves the host's transaction untouched).</returns>
    /// <exception cref="ArgumentNullException">The transaction is null.</exception>
    /// <exception cref="InvalidOperationException">
    /// The transaction has ended, its connection is not open, or it is of another driver or another
    /// database; or this store is already a transaction's store.
    /// </exception>
    public PortfolioTransaction JoinTransaction(DbTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(JoinTransaction));
        if (!TransactionBinding.IsActive(transaction) || transaction.Connection is not { } connection)
        {
            throw new InvalidOperationException("The transaction has already been committed or rolled back: join an open one.");
        }

        if (connection.State != System.Data.ConnectionState.Open)
        {
            throw new InvalidOperationException($"The transaction's connection is {connection.State}, not open.");
        }

        _database.PrepareJoin(transaction);
        var binding = new TransactionBinding(connection, transaction, joined: true);
        return new PortfolioTransaction(new PortfolioStore(this, _database.BindTo(binding)), binding);
    }

    /// <summary>Commits a transaction of this (bound) store, errors translated like any command's.</summary>
    internal async Task CommitBindingAsync(TransactionBinding binding, CancellationToken cancellationToken)
    {
        await new WriteTransaction(_database, binding.Connection, binding.Transaction).CommitAsync(cancellationToken).ConfigureAwait(false);
        await _database.NoteCommittedAsync(binding.Connection).ConfigureAwait(false);
    }

    /// <summary>Throws when the store a transaction was begun on has been disposed.</summary>
    internal void ThrowIfParentDisposed() => (_parent ?? this).ThrowIfDisposed();

    private void ThrowIfTransactionStore(string call)
    {
        if (_parent is not null)
        {
            throw new InvalidOperationException(
                $"{call} is not available on a transaction's store: call it on the store the transaction was begun on (transactions do not nest; schema changes run outside them).");
        }
    }

    /// <summary>Applies every pending migration, then refreshes the catalog.</summary>
    /// <returns>The versions applied by this call (empty when the schema was up to date) and the state after it.</returns>
    public async Task<MigrationResult> MigrateAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(MigrateAsync));
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
        ThrowIfTransactionStore(nameof(MigrateDownAsync));
        var result = await _migrator.DownAsync(targetVersion, allowDataLoss, cancellationToken).ConfigureAwait(false);
        if (result.Ran.Count > 0)
        {
            StoreLog.MigrationsReverted(_logger, result.Ran, result.Status.CurrentVersion);
        }

        return result;
    }

    /// <summary>
    /// PostgreSQL: rebuilds the membership table into the hash partitions
    /// <see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/> asks for (one plain table for 0),
    /// keeping every membership and the membership history. See docs/scale-out.md.
    /// </summary>
    /// <remarks>
    /// One statement, all or nothing, under the migration lock. It copies every membership and holds
    /// an exclusive lock on the membership table until it ends: membership reads and writes wait
    /// for it. Grants on the table are not carried over. On SQLite, which has no partitions, it does nothing.
    /// </remarks>
    /// <returns>True when the table was rebuilt; false when it already had that shape.</returns>
    /// <exception cref="InvalidOperationException">The store is not migrated (the membership table does not exist), or this is a transaction's store.</exception>
    public Task<bool> RepartitionMembershipsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(RepartitionMembershipsAsync));
        return _migrator.RepartitionMembershipsAsync(cancellationToken);
    }

    /// <summary>Reads which of the library's migrations are applied and which are pending.</summary>
    public Task<MigrationStatus> GetMigrationStatusAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(GetMigrationStatusAsync));
        return _migrator.StatusAsync(cancellationToken);
    }

    /// <summary>Generates the SQL of the pending migrations for review, without applying them.</summary>
    /// <remarks>Nothing is written or locked; the SQL is FluentMigrator's preview of each pending migration, for this database.</remarks>
    /// <returns>The state the script was made from and the SQL; the SQL is empty when the schema is up to date.</returns>
    public Task<MigrationScript> ScriptMigrationsAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(ScriptMigrationsAsync));
        return _migrator.ScriptAsync(cancellationToken);
    }

    /// <summary>Compares the library's tables as the database has them with the model graph: the drift check.</summary>
    /// <remarks>
    /// Columns (types, nullability), primary keys, foreign keys with their delete rule, indexes, the
    /// named rules (check constraints and the history's triggers) and, on PostgreSQL, the membership
    /// table's partitioning, read from the database's own catalog. Other tables in the database are
    /// not looked at. Run it on a migrated database: before that, every table is reported missing.
    /// </remarks>
    /// <returns>The differences found; none when the schema matches the model.</returns>
    public Task<SchemaCheckResult> CheckSchemaAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(CheckSchemaAsync));
        return _migrator.CheckSchemaAsync(cancellationToken);
    }

    /// <summary>Reads the catalog table: each MetaTable as recorded in the database.</summary>
    /// <returns>The entries ordered by MetaTable identifier; empty before the catalog migration has run.</returns>
    public Task<IReadOnlyList<CatalogEntry>> ReadCatalogAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        ThrowIfTransactionStore(nameof(ReadCatalogAsync));
        return _migrator.ReadCatalogAsync(cancellationToken);
    }

    /// <summary>Releases the store's connections; a data source passed in by the caller stays open.</summary>
    public async ValueTask DisposeAsync()
    {
        // A transaction's store owns nothing: the transaction and its parent store do.
        if (_parent is null && Interlocked.Exchange(ref _disposed, 1) == 0)
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
        if (_parent is null && Interlocked.Exchange(ref _disposed, 1) == 0)
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

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_parent is not null)
        {
            ObjectDisposedException.ThrowIf(_parent._disposed != 0, _parent);
            _database.Binding?.ThrowIfUnusable();
        }
    }

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
            database.UsePortfolioTable(options.PortfolioTable);
            database.UseMembershipPartitions(options.PostgresMembershipPartitions);
            await store._migrator.CheckPortfolioTableAsync(cancellationToken).ConfigureAwait(false);
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
