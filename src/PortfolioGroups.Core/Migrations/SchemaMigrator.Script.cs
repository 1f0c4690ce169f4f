using System.Globalization;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Logging;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PortfolioGroups.Migrations;

/// <summary>The SQL of the pending migrations, for review, without applying them.</summary>
internal sealed partial class SchemaMigrator
{
    /// <remarks>
    /// FluentMigrator's preview mode: the runner reads the version table and generates every
    /// statement of the pending migrations (and of the version table's creation, when it is
    /// missing), but executes none. Nothing is locked and nothing is written. The catalog refresh
    /// that follows a real migration is the library's own code, not SQL of a migration, and is not
    /// part of the script.
    /// </remarks>
    public async Task<MigrationScript> ScriptAsync(CancellationToken cancellationToken)
    {
        var status = await StatusAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(status);
        if (status.IsUpToDate)
        {
            return new MigrationScript(status, string.Empty);
        }

        using var sql = new StringWriter(CultureInfo.InvariantCulture);
        await database.WithConnectionAsync(
            connection => Task.Run(
                () =>
                {
                    RunFluentMigrator(
                        connection,
                        runner => runner.MigrateUp(),
                        services => services
                            .ConfigureRunner(runner => runner.AsGlobalPreview())
                            .AddSingleton<ILoggerProvider>(new SqlScriptFluentMigratorLoggerProvider(
                                sql,
                                new SqlScriptFluentMigratorLoggerOptions { ShowSql = true, OutputSemicolonDelimiter = false },
                                disposeWriter: false)));
                    return true;
                },
                CancellationToken.None),
            cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new MigrationScript(status, sql.ToString());
    }
}
