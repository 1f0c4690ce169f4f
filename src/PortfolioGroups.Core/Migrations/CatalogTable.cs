using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Migrations;

/// <summary>A catalog row as read from the database; the columns as their JSON text.</summary>
internal sealed record CatalogRecord(string MetaTableIdentifier, string PhysicalName, string Description, string ColumnsJson, long SchemaVersion);

/// <summary>
/// The catalog table's statements: the migrator rewrites it from the model graph after every
/// migration, and reads it to tell whether it is current.
/// </summary>
internal sealed class CatalogTable(Database db)
{
    private const string Columns = "meta_table_identifier, physical_name, description, columns_json, schema_version";

    /// <summary>The catalog rows the model graph calls for, ordered by identifier.</summary>
    /// <remarks>
    /// With a host's portfolio table (<paramref name="portfolioTable"/>), the <c>Portfolio</c> entry
    /// describes the mapping (<see cref="SchemaModel.MetaTablesFor"/>): the host's table as its
    /// physical name, the host's mapped columns as its columns.
    /// </remarks>
    public static IReadOnlyList<CatalogEntry> Expected(long schemaVersion, PortfolioTable? portfolioTable = null) =>
    [
        .. LibraryMigrationSource.CatalogTables(schemaVersion, portfolioTable ?? PortfolioTable.Library)
            .Select(t => new CatalogEntry(t.Identifier, t.PhysicalName, t.Description, [.. t.Columns.Select(ToCatalogColumn)], schemaVersion))
            .OrderBy(e => e.MetaTableIdentifier, StringComparer.Ordinal),
    ];

    public async Task<IReadOnlyList<CatalogEntry>> ReadAsync(DbConnection connection, CancellationToken cancellationToken, string operation = "catalog.read")
    {
        var sql = $"SELECT {Columns} FROM {db.Catalog} ORDER BY meta_table_identifier";
        var rows = await db.RunAsync(connection, operation, ErrorContext.Read, c => c.QueryAsync<CatalogRecord>(sql), cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(r => new CatalogEntry(
            r.MetaTableIdentifier,
            r.PhysicalName,
            r.Description,
            JsonSerializer.Deserialize(r.ColumnsJson, CatalogJson.Default.IReadOnlyListCatalogColumn) ?? [],
            r.SchemaVersion))];
    }

    /// <summary>Whether the catalog holds exactly what the model graph says for <paramref name="schemaVersion"/>.</summary>
    public async Task<bool> IsCurrentAsync(DbConnection connection, long schemaVersion, CancellationToken cancellationToken)
    {
        var rows = await ReadAsync(connection, cancellationToken, "catalog.check").ConfigureAwait(false);
        var expected = Expected(schemaVersion, db.PortfolioTable);
        return rows.Count == expected.Count && rows.Zip(expected).All(pair => SameEntry(pair.First, pair.Second));

        static bool SameEntry(CatalogEntry a, CatalogEntry b) =>
            a.MetaTableIdentifier == b.MetaTableIdentifier && a.PhysicalName == b.PhysicalName && a.Description == b.Description
            && a.SchemaVersion == b.SchemaVersion && a.Columns.SequenceEqual(b.Columns);
    }

    /// <summary>Replaces the catalog's rows with the expected ones: one delete, one insert of every row.</summary>
    public async Task ReplaceAsync(DbConnection connection, DbTransaction transaction, long schemaVersion, CancellationToken cancellationToken)
    {
        var delete = $"DELETE FROM {db.Catalog}";
        await db.RunAsync(connection, "catalog.refresh", ErrorContext.Read, c => c.ExecuteAsync(delete, transaction: transaction), cancellationToken).ConfigureAwait(false);

        // Every row travels in one JSON parameter, read back as rows by the database.
        IReadOnlyList<CatalogRow> expected = [.. Expected(schemaVersion, db.PortfolioTable).Select(e => new CatalogRow(e.MetaTableIdentifier, e.PhysicalName, e.Description, e.Columns, e.SchemaVersion))];
        // Declared as string, not var: Dapper.AOT 1.1.0 does not intercept the call below otherwise
        // (a test holds every call in the library to being intercepted).
        string json = JsonSerializer.Serialize(expected, CatalogJson.Default.IReadOnlyListCatalogRow);
        var insert = $"INSERT INTO {db.Catalog} ({Columns}) {db.JsonRows("@entries", SchemaModel.Catalog.Columns)}";
        await db.RunAsync(connection, "catalog.refresh", new ErrorContext(SchemaModel.Catalog.Identifier), c => c.ExecuteAsync(insert, new { entries = json }, transaction: transaction), cancellationToken).ConfigureAwait(false);
    }

    private static CatalogColumn ToCatalogColumn(ColumnModel c) => new(c.Name, c.Label, c.Description, c.Kind.ToString(), c.IsNullable, c.MaxLength);
}

/// <summary>A catalog row as written: its properties named as the catalog's columns.</summary>
internal sealed record CatalogRow(string MetaTableIdentifier, string PhysicalName, string Description, IReadOnlyList<CatalogColumn> ColumnsJson, long SchemaVersion);

/// <summary>
/// The catalog's JSON: a column list as stored in <c>columns_json</c>, and whole rows, for
/// <see cref="Database.JsonRows"/>.
/// </summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyList<CatalogColumn>))]
[JsonSerializable(typeof(IReadOnlyList<CatalogRow>))]
internal sealed partial class CatalogJson : JsonSerializerContext;
