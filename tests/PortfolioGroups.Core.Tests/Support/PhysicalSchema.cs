using System.Data.Common;
using Microsoft.Data.Sqlite;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// Reads a migrated database's schema from its own catalog (sqlite pragmas, or pg_catalog) with the
/// library's readers in Storage/SqliteDatabase.cs and Storage/PostgresDatabase.cs, the ones the drift check (`schema check`) uses.
/// </summary>
internal static class PhysicalSchema
{
    public static Task<IReadOnlyDictionary<string, PhysicalTable>> ReadAsync(DbConnection connection, string? postgresSchema) =>
        connection is SqliteConnection
            ? SqliteDatabase.ReadCatalogAsync(connection)
            : PostgresDatabase.ReadCatalogAsync(connection, postgresSchema ?? PortfolioStoreOptions.DefaultPostgresSchema);
}
