using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>The drift check: the database's tables against the model graph.</summary>
internal sealed partial class SchemaMigrator
{
    public async Task<SchemaCheckResult> CheckSchemaAsync(CancellationToken cancellationToken)
    {
        // Tables and rules are read on one connection.
        var (physical, rules) = await database.WithConnectionAsync(
            async connection => (await database.ReadTablesAsync(connection, cancellationToken).ConfigureAwait(false),
                                 await database.ReadRulesAsync(connection, cancellationToken).ConfigureAwait(false)),
            cancellationToken).ConfigureAwait(false);
        return new SchemaCheckResult([.. SchemaDrift.Compare(physical, database, database.PortfolioTable), .. SchemaDrift.CompareRules(rules, database.PortfolioTable)]);
    }

    /// <summary>For a host's portfolio table: checks that it fits (<see cref="PortfolioTableCheck"/>); nothing for the library's own.</summary>
    public async Task CheckPortfolioTableAsync(CancellationToken cancellationToken)
    {
        if (database.OwnsPortfolioTable)
        {
            return;
        }

        var physical = await database.WithConnectionAsync(
            connection => database.ReadPortfolioTableSchemaAsync(connection, cancellationToken),
            cancellationToken,
            ConnectionIntent.Read).ConfigureAwait(false);
        var name = database.PortfolioTableSchema is { } schema ? $"{schema}.{database.PortfolioTableName}" : database.PortfolioTableName;
        PortfolioTableCheck.ThrowIfMismatched(physical.GetValueOrDefault(database.PortfolioTableName), database.PortfolioTable, name, database);
    }
}
