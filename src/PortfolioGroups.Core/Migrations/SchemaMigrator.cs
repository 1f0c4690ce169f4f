using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Initialization;
using Microsoft.Extensions.DependencyInjection;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>
/// Applies and reverts the library's migrations with FluentMigrator, then refreshes the catalog
/// (and, on PostgreSQL, the table and column comments) from the model graph.
/// </summary>
/// <remarks>
/// On PostgreSQL every call holds a session advisory lock for its whole run, so several processes
/// migrating the same schema at once are serialized and each migration is applied once.
/// FluentMigrator is synchronous: cancellation is observed before it starts and after it ends.
/// </remarks>
internal sealed class SchemaMigrator(Database database, MigrationTarget target, string migrationConnectionString, bool overCallersDataSource)
{
    // First key of the two-key advisory lock: "PGrp". The second is the schema's hash.
    private const int AdvisoryLockClass = 0x50477270;

    private readonly SqlDialect _dialect = database.Dialect;

    public async Task<MigrationResult> UpAsync(CancellationToken cancellationToken)
    {
        // The common case, an up-to-date database, is read-only: no lock, no DDL, no catalog
        // write, so a role with table rights alone can open a migrated store.
        var current = await database.WithConnectionAsync(
            async connection =>
            {
                var status = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                return status.IsUpToDate && await IsCatalogCurrentAsync(connection, status, cancellationToken).ConfigureAwait(false) ? status : null;
            },
            cancellationToken).ConfigureAwait(false);
        if (current is not null)
        {
            return new MigrationResult([], current);
        }

        return await RunAsync(status => status.PendingVersions, runner => runner.MigrateUp(), cancellationToken).ConfigureAwait(false);
    }

    public Task<MigrationResult> DownAsync(long targetVersion, CancellationToken cancellationToken)
    {
        if (targetVersion < 0)
        {
            throw new InvalidValueException(nameof(targetVersion), "must be 0 (revert everything) or a migration version.");
        }

        return RunAsync(
            status => [.. status.AppliedVersions.Where(v => v > targetVersion).OrderDescending()],
            runner => runner.MigrateDown(targetVersion),
            cancellationToken);
    }

    public Task<MigrationStatus> StatusAsync(CancellationToken cancellationToken) =>
        database.WithConnectionAsync(c => ReadStatusAsync(c, cancellationToken), cancellationToken);

    private async Task<MigrationResult> RunAsync(Func<MigrationStatus, IReadOnlyList<long>> toRun, Action<IMigrationRunner> migrate, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return await database.WithConnectionAsync(
            async connection =>
            {
                await LockAsync(connection, cancellationToken).ConfigureAwait(false);
                try
                {
                    await EnsureSchemaAsync(connection, cancellationToken).ConfigureAwait(false);

                    // Read under the lock: another migrator may have just finished.
                    var before = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                    var ran = toRun(before);
                    if (ran.Count > 0)
                    {
                        await Task.Run(() => RunFluentMigrator(migrate), CancellationToken.None).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                    }

                    var after = await ReadStatusAsync(connection, cancellationToken).ConfigureAwait(false);
                    await RefreshCatalogAsync(connection, after, cancellationToken).ConfigureAwait(false);
                    return new MigrationResult(ran, after);
                }
                finally
                {
                    await UnlockAsync(connection).ConfigureAwait(false);
                }
            },
            cancellationToken).ConfigureAwait(false);
    }

    private void RunFluentMigrator(Action<IMigrationRunner> migrate)
    {
        try
        {
            RunFluentMigratorCore(migrate);
        }
        catch (Exception ex) when (overCallersDataSource && FindAuthenticationFailure(ex) is { } authentication)
        {
            throw new PortfolioGroupsException(
                "Migrating failed to authenticate: FluentMigrator opens its own connection from the data source's connection string, " +
                "which Npgsql gives without the password unless the data source has 'Persist Security Info=true'. Set that, or open the store " +
                "with MigrateOnOpen = false and migrate through a store opened from a connection string.",
                authentication);
        }
    }

    private static Npgsql.PostgresException? FindAuthenticationFailure(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            // SQLSTATE class 28: invalid authorization specification (28000, 28P01).
            if (exception is Npgsql.PostgresException { SqlState: ['2', '8', ..] } postgres)
            {
                return postgres;
            }
        }

        return null;
    }

    private void RunFluentMigratorCore(Action<IMigrationRunner> migrate)
    {
        var services = new ServiceCollection()
            .AddFluentMigratorCore()
            .ConfigureRunner(runner =>
            {
                if (target.IsPostgres)
                {
                    runner.AddPostgres15_0();
                }
                else
                {
                    runner.AddSQLite();
                }

                runner.WithGlobalConnectionString(migrationConnectionString)
                    .WithVersionTable(new LibraryVersionTable(target.Schema));
            })
            .AddScoped<IFilteringMigrationSource>(_ => new LibraryMigrationSource(target));

        using var provider = services.BuildServiceProvider(validateScopes: false);
        using var scope = provider.CreateScope();
        migrate(scope.ServiceProvider.GetRequiredService<IMigrationRunner>());
    }

    private async Task LockAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (_dialect is not PostgresDialect postgres)
        {
            return;
        }

        await database.ExecuteAsync(connection, null, "migrate.lock", PostgresDialect.LockMigrations, new { lockClass = AdvisoryLockClass, schema = postgres.Schema }, cancellationToken).ConfigureAwait(false);
    }

    private async Task EnsureSchemaAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        // The version table lives in the schema, so the schema must exist before FluentMigrator runs.
        if (_dialect is PostgresDialect postgres)
        {
            await database.ExecuteAsync(connection, null, "migrate.schema", postgres.CreateSchema, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task UnlockAsync(DbConnection connection)
    {
        if (_dialect is PostgresDialect postgres)
        {
            await database.ExecuteAsync(connection, null, "migrate.unlock", PostgresDialect.UnlockMigrations, new { lockClass = AdvisoryLockClass, schema = postgres.Schema }, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<MigrationStatus> ReadStatusAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var found = await database.QueryAsync(connection, null, "migrate.status", _dialect.VersionTableExists, new { schema = target.Schema, table = SchemaModel.VersionTableName }, r => r.GetInt64(0), cancellationToken).ConfigureAwait(false);
        var applied = found[0] > 0
            ? await database.QueryAsync(connection, null, "migrate.status", _dialect.SelectVersions, null, r => r.GetInt64(0), cancellationToken).ConfigureAwait(false)
            : [];

        var pending = LibraryMigrationSource.Versions.Where(v => !applied.Contains(v)).Order().ToList();
        return new MigrationStatus(applied, pending);
    }

    /// <summary>Whether the catalog holds exactly what the model graph and the status say it should.</summary>
    private async Task<bool> IsCatalogCurrentAsync(DbConnection connection, MigrationStatus status, CancellationToken cancellationToken)
    {
        var rows = await database.QueryAsync(
            connection,
            null,
            "catalog.check",
            _dialect.SelectCatalog,
            null,
            ReadCatalogEntry,
            cancellationToken).ConfigureAwait(false);
        var expected = ExpectedCatalog(status.CurrentVersion);
        return rows.Count == expected.Count && rows.Zip(expected).All(pair => SameEntry(pair.First, pair.Second));

        static bool SameEntry(CatalogEntry a, CatalogEntry b) =>
            a.MetaTableIdentifier == b.MetaTableIdentifier && a.PhysicalName == b.PhysicalName && a.Description == b.Description
            && a.SchemaVersion == b.SchemaVersion && a.Columns.SequenceEqual(b.Columns);
    }

    /// <summary>The catalog rows the model graph calls for, ordered by identifier.</summary>
    internal static IReadOnlyList<CatalogEntry> ExpectedCatalog(long schemaVersion) =>
    [
        .. SchemaModel.MetaTables
            .Select(t => new CatalogEntry(t.Identifier, t.PhysicalName, t.Description, CatalogColumns(t), schemaVersion))
            .OrderBy(e => e.MetaTableIdentifier, StringComparer.Ordinal),
    ];

    internal static CatalogEntry ReadCatalogEntry(DbDataReader r) => new(
        r.GetString(0),
        r.GetString(1),
        r.GetString(2),
        JsonSerializer.Deserialize(r.GetString(3), CatalogJson.Default.IReadOnlyListCatalogColumn) ?? [],
        r.GetInt64(4));

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
                await database.ExecuteAsync(connection, transaction, "catalog.refresh", _dialect.DeleteCatalog, null, cancellationToken).ConfigureAwait(false);
                var rows = ExpectedCatalog(status.CurrentVersion);
                var parameters = new Dapper.DynamicParameters();
                parameters.Add("version", status.CurrentVersion);
                for (var i = 0; i < rows.Count; i++)
                {
                    parameters.Add($"identifier{i}", rows[i].MetaTableIdentifier);
                    parameters.Add($"physicalName{i}", rows[i].PhysicalName);
                    parameters.Add($"description{i}", rows[i].Description);
                    parameters.Add($"columns{i}", JsonSerializer.Serialize(rows[i].Columns, CatalogJson.Default.IReadOnlyListCatalogColumn));
                }

                await database.ExecuteAsync(
                    connection,
                    transaction,
                    "catalog.refresh",
                    _dialect.InsertCatalog(rows.Count),
                    parameters,
                    cancellationToken).ConfigureAwait(false);
            }

            if (_dialect is PostgresDialect postgres)
            {
                // FluentMigrator 8.0.1 writes no COMMENT ON for PostgreSQL: the library does, from the model graph.
                var tables = SchemaModel.AllTables.Where(t => t == SchemaModel.Catalog ? hasCatalog : hasMetaTables);
                await database.ExecuteAsync(connection, transaction, "catalog.comments", postgres.Comments(tables), null, cancellationToken).ConfigureAwait(false);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    internal static IReadOnlyList<CatalogColumn> CatalogColumns(TableModel table) =>
        [.. table.Columns.Select(c => new CatalogColumn(c.Name, c.Label, c.Description, c.Kind.ToString(), c.IsNullable, c.MaxLength))];
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<CatalogColumn>))]
internal sealed partial class CatalogJson : JsonSerializerContext;
