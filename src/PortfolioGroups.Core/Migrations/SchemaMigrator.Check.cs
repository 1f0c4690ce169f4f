using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>The drift check: the database's tables against the model graph.</summary>
internal sealed partial class SchemaMigrator
{
    public async Task<SchemaCheckResult> CheckSchemaAsync(CancellationToken cancellationToken)
    {
        var physical = await database.WithConnectionAsync(
            connection => PhysicalSchemaReader.ReadAsync(connection, database.Kind, database.Schema, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        return new SchemaCheckResult(SchemaDrift.Compare(physical, database.Kind, database.PortfolioTable));
    }

    /// <summary>For a host's portfolio table: checks that it fits (<see cref="PortfolioTableCheck"/>); nothing for the library's own.</summary>
    public async Task CheckPortfolioTableAsync(CancellationToken cancellationToken)
    {
        if (database.OwnsPortfolioTable)
        {
            return;
        }

        var physical = await database.WithConnectionAsync(
            connection => PhysicalSchemaReader.ReadAsync(connection, database.Kind, database.PortfolioTableSchema, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        var name = database.PortfolioTableSchema is { } schema ? $"{schema}.{database.PortfolioTableName}" : database.PortfolioTableName;
        PortfolioTableCheck.ThrowIfMismatched(physical.GetValueOrDefault(database.PortfolioTableName), database.PortfolioTable, name, database.Kind);
    }
}
