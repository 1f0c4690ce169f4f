using System.Data.Common;
using Microsoft.Data.Sqlite;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// Reads a migrated database's schema from its own catalog (sqlite pragmas, or pg_catalog) with the
/// library's reader, Storage/PhysicalSchemaReader.cs, the one the drift check (`schema check`) uses.
/// </summary>
internal static class PhysicalSchema
{
    public static Task<IReadOnlyDictionary<string, PhysicalTable>> ReadAsync(DbConnection connection, string? postgresSchema) =>
        PhysicalSchemaReader.ReadAsync(connection, connection is SqliteConnection ? DatabaseKind.Sqlite : DatabaseKind.Postgres, postgresSchema);
}
