using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>The drift check: the database's tables against the model graph.</summary>
internal sealed partial class SchemaMigrator
{
    public async Task<SchemaCheckResult> CheckSchemaAsync(CancellationToken cancellationToken)
    {
        var physical = await database.WithConnectionAsync(
            connection => database.ReadTablesAsync(connection, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var rules = await database.WithConnectionAsync(
            connection => database.ReadRulesAsync(connection, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return new SchemaCheckResult([.. SchemaDrift.Compare(physical, database), .. SchemaDrift.CompareRules(rules)]);
    }
}
