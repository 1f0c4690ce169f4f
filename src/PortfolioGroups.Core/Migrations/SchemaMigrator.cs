using System.Data.Common;
using Dapper;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Initialization;
using Microsoft.Extensions.DependencyInjection;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Applies and reverts the library's migrations with FluentMigrator, then refreshes the catalog
/// (and the descriptions the database keeps itself) from the model graph.
/// </summary>
/// <remarks>
/// Every call that migrates runs between the database's <see cref="Database.BeginMigrationAsync"/>
/// and <see cref="Database.EndMigrationAsync"/> (on PostgreSQL an advisory lock, on SQLite a lock
/// file beside the database, for the whole run, so several processes migrating the same database
/// at once are serialized and each migration is applied once). FluentMigrator runs on the same
/// connection, taken from the store's data source. FluentMigrator is synchronous: cancellation is observed before it starts and
/// after it ends.
/// </remarks>
internal sealed partial class SchemaMigrator(Database database)
{
    private readonly CatalogTable _catalog = new(database);

    public async Task<MigrationResult> UpAsync(CancellationToken cancellationToken)
    {
        // The common case, an up-to-date database, is read-only: no lock, no DDL, no catalog
        // write, so a role with table rights alone can open a migrated store.
        var current = await database.WithConnectionAsync(
            async connection =>
            {
                var status = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                ThrowIfNewer(status);
                return status.IsUpToDate && await _catalog.IsCurrentAsync(connection, status.CurrentVersion, cancellationToken).ConfigureAwait(false) ? status : null;
            },
            cancellationToken,
            ConnectionIntent.Migrate).ConfigureAwait(false);
        if (current is not null)
        {
            return new MigrationResult([], current);
        }

        return await RunAsync(status => status.PendingVersions, runner => runner.MigrateUp(), cancellationToken).ConfigureAwait(false);
    }

    public Task<MigrationResult> DownAsync(long targetVersion, bool allowDataLoss, CancellationToken cancellationToken)
    {
        if (targetVersion < 0)
        {
            throw new InvalidValueException(nameof(targetVersion), "must be 0 (revert everything) or an applied migration version.");
        }

        return RunAsync(
            status =>
            {
                // Checked under the migration lock, against what is applied now.
                if (targetVersion != 0 && !status.AppliedVersions.Contains(targetVersion))
                {
                    throw new InvalidValueException(
                        nameof(targetVersion),
                        $"{targetVersion} is not an applied version of this database (applied: {string.Join(", ", status.AppliedVersions)}; 0 reverts everything).");
                }

                if (!allowDataLoss && targetVersion < LibraryMigrationSource.MetaTablesVersion && status.AppliedVersions.Contains(LibraryMigrationSource.MetaTablesVersion))
                {
                    throw new InvalidValueException(
                        nameof(allowDataLoss),
                        database.OwnsPortfolioTable
                            ? $"reverting to {targetVersion} drops the portfolio, group and membership tables with every row in them; pass allowDataLoss: true to do that."
                            : $"reverting to {targetVersion} drops the group and membership tables with every row in them (the host's portfolio table stays as it is); pass allowDataLoss: true to do that.");
                }

                return [.. status.AppliedVersions.Where(v => v > targetVersion).OrderDescending()];
            },
            runner => runner.MigrateDown(targetVersion),
            cancellationToken);
    }

    public Task<MigrationStatus> StatusAsync(CancellationToken cancellationToken) =>
        database.WithConnectionAsync(c => ReadStatusAsync(c, cancellationToken), cancellationToken);

    /// <summary>The catalog's rows; empty before the catalog migration has run.</summary>
    public Task<IReadOnlyList<CatalogEntry>> ReadCatalogAsync(CancellationToken cancellationToken) =>
        database.WithConnectionAsync(
            async connection =>
            {
                var status = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                return status.AppliedVersions.Contains(LibraryMigrationSource.CatalogVersion)
                    ? await _catalog.ReadAsync(connection, cancellationToken).ConfigureAwait(false)
                    : [];
            },
            cancellationToken);

    private async Task<MigrationResult> RunAsync(Func<MigrationStatus, IReadOnlyList<long>> toRun, Action<IMigrationRunner> migrate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await database.WithConnectionAsync(
            async connection =>
            {
                try
                {
                    await database.BeginMigrationAsync(connection, cancellationToken).ConfigureAwait(false);

                    // Read after beginning: another migrator may have just finished.
                    var before = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                    ThrowIfNewer(before);
                    var ran = toRun(before);
                    if (ran.Count > 0)
                    {
                        try
                        {
                            await Task.Run(() => RunFluentMigrator(connection, migrate), CancellationToken.None).ConfigureAwait(false);
                        }
                        catch (Exception ex) when (Stopped(ex) is { } stopped)
                        {
                            throw stopped;
                        }

                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var after = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                    await RefreshCatalogAsync(connection, after, cancellationToken).ConfigureAwait(false);
                    return new MigrationResult(ran, after);
                }
                finally
                {
                    await database.EndMigrationAsync(connection).ConfigureAwait(false);
                }
            },
            cancellationToken,
            ConnectionIntent.Migrate).ConfigureAwait(false);
    }

    /// <summary>
    /// The library's error for a migration that a driver error stopped (FluentMigrator wraps it, in
    /// an error of its own or of the rollback that followed): a stored row that broke a rule the
    /// migration adds, or a lost connection, a timeout or a conflict; null for anything else.
    /// </summary>
    private PortfolioGroupsException? Stopped(Exception failure)
    {
        for (var inner = failure; inner is not null; inner = inner.InnerException)
        {
            if (inner is DbException driver && database.Classify(driver) is { } error)
            {
                return error.Kind switch
                {
                    StorageErrorKind.InvalidValue => ErrorTranslator.MigrationStoppedByRow(error, driver, failure),
                    StorageErrorKind.ConnectionLost or StorageErrorKind.Busy or StorageErrorKind.Conflict => ErrorTranslator.MigrationInterrupted(error, driver, failure),
                    _ => null,
                };
            }
        }

        return null;
    }

    /// <summary>
    /// Refuses a database a newer library migrated: this one would neither know its migrations nor
    /// describe its tables rightly, so it changes nothing there (no migration, no catalog rewrite).
    /// </summary>
    private static void ThrowIfNewer(MigrationStatus status)
    {
        var latest = LibraryMigrationSource.Versions[^1];
        var newer = status.AppliedVersions.Where(v => v > latest).ToList();
        if (newer.Count > 0)
        {
            throw new PortfolioGroupsException(
                $"This database's PortfolioGroups schema is at version {newer[^1]}, newer than this library's latest, {latest}: "
                + "use a library at least as new. It was left unchanged. A store opened with MigrateOnOpen = false can still try to read and write, at the caller's risk.");
        }
    }

    /// <summary>
    /// Runs FluentMigrator on <paramref name="connection"/>, the one that holds the migration lock;
    /// <paramref name="configure"/> adds to its services (the preview mode of a script).
    /// </summary>
    private void RunFluentMigrator(DbConnection connection, Action<IMigrationRunner> migrate, Action<IServiceCollection>? configure = null)
    {
        var target = new MigrationTarget(database);
        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner =>
            {
                database.ConfigureMigrationRunner(runner, connection);
                runner.WithVersionTable(new LibraryVersionTable(database.Schema));
            })
            .AddScoped<IFilteringMigrationSource>(_ => new LibraryMigrationSource(target));

        configure?.Invoke(services);
        using var provider = services.BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        migrate(scope.ServiceProvider.GetRequiredService<IMigrationRunner>());
    }

    private async Task<MigrationStatus> ReadStatusAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var exists = database.VersionTableExists;
        var found = await database.RunAsync(
            connection,
            "migrate.status",
            ErrorContext.Read,
            c => c.ExecuteScalarAsync<long>(exists, new { schema = database.Schema, table = SchemaModel.VersionTableName }),
            cancellationToken).ConfigureAwait(false);
        List<long> applied = [];
        if (found > 0)
        {
            var select = $"SELECT version FROM {database.VersionTable} ORDER BY version";
            applied = [.. await database.RunAsync(connection, "migrate.status", ErrorContext.Read, c => c.QueryAsync<long>(select), cancellationToken).ConfigureAwait(false)];
        }

        var pending = LibraryMigrationSource.Versions.Where(v => !applied.Contains(v)).Order().ToList();
        return new MigrationStatus(applied, pending);
    }

    private async Task RefreshCatalogAsync(DbConnection connection, MigrationStatus status, CancellationToken cancellationToken)
    {
        var hasMetaTables = status.AppliedVersions.Contains(LibraryMigrationSource.MetaTablesVersion);
        var hasCatalog = status.AppliedVersions.Contains(LibraryMigrationSource.CatalogVersion);
        if (!hasMetaTables && !hasCatalog)
        {
            return;
        }

        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            if (hasCatalog)
            {
                await _catalog.ReplaceAsync(connection, transaction, status.CurrentVersion, cancellationToken).ConfigureAwait(false);
            }

            var hasHistory = status.AppliedVersions.Contains(LibraryMigrationSource.HistoryVersion);
            var hasDeletions = status.AppliedVersions.Contains(LibraryMigrationSource.DeletionHistoryVersion);
            var hasIdentifiers = status.AppliedVersions.Contains(LibraryMigrationSource.HistoryIdentifierVersion);

            // A host's portfolio table is the host's: the library writes no description on it.
            var tables = SchemaModel.AllTables
                .Where(t => t == SchemaModel.Catalog ? hasCatalog
                    : t == SchemaModel.PortfolioGroupMembershipHistory ? hasHistory
                    : t == SchemaModel.PortfolioGroupDeletionHistory ? hasDeletions
                    : t == SchemaModel.PortfolioGroupMembershipHistoryIdentifier ? hasIdentifiers
                    : hasMetaTables)
                .Where(t => t != SchemaModel.Portfolio || database.OwnsPortfolioTable);
            await database.WriteDescriptionsAsync(connection, transaction, tables, cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
