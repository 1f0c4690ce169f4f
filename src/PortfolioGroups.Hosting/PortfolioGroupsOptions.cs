using Microsoft.Extensions.Logging;
using Npgsql;

namespace PortfolioGroups.Hosting;

/// <summary>
/// How <c>services.AddPortfolioGroups(...)</c>
/// opens the store: the database (<see cref="UseSqlite"/> or one of the <c>UsePostgres</c> overloads,
/// exactly one is required), whether to migrate at start, and the core <see cref="PortfolioStoreOptions"/>.
/// </summary>
public sealed class PortfolioGroupsOptions
{
    /// <summary>The configuration section the documented set-up binds, <c>PortfolioGroups</c>.</summary>
    public const string ConfigurationSectionName = "PortfolioGroups";

    private Func<PortfolioStoreOptions, CancellationToken, Task<PortfolioStore>>? _open;

    /// <summary>
    /// Whether the host applies pending migrations when it starts (default false: migrations are
    /// a deployment step, and a host that starts on an unmigrated database reports it through the
    /// health check). This setting wins over <see cref="PortfolioStoreOptions.MigrateOnOpen"/> in <see cref="Store"/>.
    /// </summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>
    /// The core options the store is opened with: the PostgreSQL schema, the SQLite connection
    /// settings. Its <see cref="PortfolioStoreOptions.MigrateOnOpen"/> is replaced by <see cref="MigrateOnStart"/>.
    /// </summary>
    public PortfolioStoreOptions Store { get; set; } = new();

    /// <summary>
    /// Commands at least this long are logged as warnings (category <c>PortfolioGroups.Commands</c>);
    /// null logs none. The same setting as <see cref="PortfolioStoreOptions.SlowCommandThreshold"/>
    /// in <see cref="Store"/> (default one second).
    /// </summary>
    /// <exception cref="InvalidValueException">The value is negative.</exception>
    public TimeSpan? SlowCommandThreshold
    {
        get => Store.SlowCommandThreshold;
        set => Store = Store with { SlowCommandThreshold = value };
    }

    /// <summary>The database chosen by <see cref="UseSqlite"/> or <c>UsePostgres</c>; null until one is called.</summary>
    public DatabaseKind? Database { get; private set; }

    /// <summary>Stores the library's tables in a SQLite database (see <see cref="PortfolioStore.OpenSqliteAsync"/>).</summary>
    /// <param name="connectionString">A SQLite connection string, such as <c>Data Source=portfolios.db</c>.</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>A later <c>Use…</c> call replaces this one.</remarks>
    /// <exception cref="ArgumentNullException">The connection string is null.</exception>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public PortfolioGroupsOptions UseSqlite(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Database = DatabaseKind.Sqlite;
        _open = (options, ct) => PortfolioStore.OpenSqliteAsync(connectionString, options, ct);
        return this;
    }

    /// <summary>Stores the library's tables in PostgreSQL; the store builds and owns its data source.</summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>A later <c>Use…</c> call replaces this one.</remarks>
    /// <exception cref="ArgumentNullException">The connection string is null.</exception>
    /// <exception cref="ArgumentException">The connection string is empty.</exception>
    public PortfolioGroupsOptions UsePostgres(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        Database = DatabaseKind.Postgres;
        _open = (options, ct) => PortfolioStore.OpenPostgresAsync(connectionString, options, ct);
        return this;
    }

    /// <summary>Stores the library's tables in PostgreSQL over an existing data source, which the caller keeps owning.</summary>
    /// <param name="dataSource">The data source; disposing the store leaves it open.</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>
    /// A later <c>Use…</c> call replaces this one. With <see cref="MigrateOnStart"/>, see
    /// <see cref="PortfolioStore.OpenPostgresAsync(NpgsqlDataSource, PortfolioStoreOptions?, CancellationToken)"/>
    /// for the password the migrator needs.
    /// </remarks>
    /// <exception cref="ArgumentNullException">The data source is null.</exception>
    public PortfolioGroupsOptions UsePostgres(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        Database = DatabaseKind.Postgres;
        _open = (options, ct) => PortfolioStore.OpenPostgresAsync(dataSource, options, ct);
        return this;
    }

    /// <summary>
    /// Stores the library's tables in PostgreSQL over a primary and its standbys, which the caller
    /// keeps owning: writes go to the primary, reads where <see cref="PortfolioStoreOptions.PostgresReads"/>
    /// in <see cref="Store"/> says (see
    /// <see cref="PortfolioStore.OpenPostgresAsync(NpgsqlMultiHostDataSource, PortfolioStoreOptions?, CancellationToken)"/>).
    /// </summary>
    /// <param name="dataSource">The multi-host data source; disposing the store leaves it open.</param>
    /// <returns>These options, for chaining.</returns>
    /// <remarks>A later <c>Use…</c> call replaces this one.</remarks>
    /// <exception cref="ArgumentNullException">The data source is null.</exception>
    public PortfolioGroupsOptions UsePostgres(NpgsqlMultiHostDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        Database = DatabaseKind.Postgres;
        _open = (options, ct) => PortfolioStore.OpenPostgresAsync(dataSource, options, ct);
        return this;
    }

    /// <summary>
    /// Opens the store as configured: the core options, with migration as <see cref="MigrateOnStart"/>
    /// says, logging to <paramref name="loggerFactory"/> unless the core options name a factory.
    /// </summary>
    internal Task<PortfolioStore> OpenAsync(ILoggerFactory? loggerFactory, CancellationToken cancellationToken) =>
        _open is null
            ? throw NoDatabase()
            : _open(Store with { MigrateOnOpen = MigrateOnStart, LoggerFactory = Store.LoggerFactory ?? loggerFactory }, cancellationToken);

    /// <summary>Refuses options that name no database, when they are registered rather than at start.</summary>
    internal void Validate()
    {
        if (_open is null)
        {
            throw NoDatabase();
        }

        ArgumentNullException.ThrowIfNull(Store, nameof(Store));
    }

    private static InvalidOperationException NoDatabase() =>
        new("AddPortfolioGroups needs a database: call UseSqlite(connectionString) or UsePostgres(connectionString or dataSource) on the options.");
}
