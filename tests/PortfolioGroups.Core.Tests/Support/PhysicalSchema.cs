using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;

namespace PortfolioGroups.Tests.Support;

public sealed record PhysicalColumn(string Name, string Type, bool IsNullable);

public sealed record PhysicalForeignKey(string? Name, string Column, string PrincipalTable, string PrincipalColumn, string OnDelete);

public sealed record PhysicalIndex(string Name, IReadOnlyList<string> Columns, bool IsUnique);

public sealed record PhysicalTable(
    string Name,
    IReadOnlyList<PhysicalColumn> Columns,
    IReadOnlyList<string> PrimaryKey,
    IReadOnlyList<PhysicalForeignKey> ForeignKeys,
    IReadOnlyList<PhysicalIndex> Indexes)
{
    public PhysicalColumn? Column(string name) => Columns.FirstOrDefault(c => c.Name == name);
}

/// <summary>Reads a migrated database's schema from its own catalog: sqlite_master and pragmas, or pg_catalog.</summary>
public static class PhysicalSchema
{
    public static Task<IReadOnlyDictionary<string, PhysicalTable>> ReadAsync(DbConnection connection, string? postgresSchema) =>
        connection is SqliteConnection sqlite ? ReadSqliteAsync(sqlite) : ReadPostgresAsync(connection, postgresSchema ?? "public");

    private static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadSqliteAsync(SqliteConnection connection)
    {
        var result = new Dictionary<string, PhysicalTable>();
        var names = await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
        foreach (var name in names)
        {
            var columns = new List<PhysicalColumn>();
            var primaryKey = new List<(long Position, string Column)>();
            foreach (var row in await connection.QueryAsync($"PRAGMA table_info(\"{name}\")"))
            {
                columns.Add(new PhysicalColumn((string)row.name, (string)row.type, (long)row.notnull == 0 && (long)row.pk == 0));
                if ((long)row.pk > 0)
                {
                    primaryKey.Add(((long)row.pk, (string)row.name));
                }
            }

            var foreignKeys = (await connection.QueryAsync($"PRAGMA foreign_key_list(\"{name}\")"))
                .Select(row => new PhysicalForeignKey(null, (string)row.from, (string)row.table, (string)row.to, ((string)row.on_delete).ToUpperInvariant()))
                .ToList();

            var indexes = new List<PhysicalIndex>();
            foreach (var row in await connection.QueryAsync($"PRAGMA index_list(\"{name}\")"))
            {
                if ((string)row.origin == "pk")
                {
                    continue;
                }

                var indexName = (string)row.name;
                var indexColumns = (await connection.QueryAsync($"PRAGMA index_info(\"{indexName}\")"))
                    .OrderBy(c => (long)c.seqno)
                    .Select(c => (string)c.name)
                    .ToList();
                indexes.Add(new PhysicalIndex(indexName, indexColumns, (long)row.unique == 1));
            }

            result[name] = new PhysicalTable(name, columns, [.. primaryKey.OrderBy(p => p.Position).Select(p => p.Column)], foreignKeys, indexes);
        }

        return result;
    }

    private static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadPostgresAsync(DbConnection connection, string schema)
    {
        var result = new Dictionary<string, PhysicalTable>();
        var names = await connection.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = @schema AND table_type = 'BASE TABLE'", new { schema });
        foreach (var name in names)
        {
            var columns = (await connection.QueryAsync(
                    @"SELECT column_name, CASE WHEN data_type = 'character varying' THEN 'varchar(' || character_maximum_length || ')' ELSE data_type END AS type, is_nullable
                      FROM information_schema.columns WHERE table_schema = @schema AND table_name = @name ORDER BY ordinal_position",
                    new { schema, name }))
                .Select(row => new PhysicalColumn((string)row.column_name, (string)row.type, (string)row.is_nullable == "YES"))
                .ToList();

            var foreignKeys = (await connection.QueryAsync(
                    @"SELECT c.conname, a.attname AS column_name, rt.relname AS principal_table, ra.attname AS principal_column,
                             CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS on_delete
                      FROM pg_constraint c
                      JOIN pg_class t ON t.oid = c.conrelid
                      JOIN pg_namespace n ON n.oid = t.relnamespace
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                      JOIN pg_class rt ON rt.oid = c.confrelid
                      JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1]
                      WHERE c.contype = 'f' AND n.nspname = @schema AND t.relname = @name",
                    new { schema, name }))
                .Select(row => new PhysicalForeignKey((string)row.conname, (string)row.column_name, (string)row.principal_table, (string)row.principal_column, (string)row.on_delete))
                .ToList();

            var primaryKey = new List<string>();
            var indexes = new List<PhysicalIndex>();
            var indexRows = await connection.QueryAsync(
                @"SELECT i.relname AS index_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary,
                         array(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
                               JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) AS columns
                  FROM pg_index ix
                  JOIN pg_class t ON t.oid = ix.indrelid
                  JOIN pg_class i ON i.oid = ix.indexrelid
                  JOIN pg_namespace n ON n.oid = t.relnamespace
                  WHERE n.nspname = @schema AND t.relname = @name",
                new { schema, name });
            foreach (var row in indexRows)
            {
                var indexColumns = ((string[])row.columns).ToList();
                if ((bool)row.is_primary)
                {
                    primaryKey = indexColumns;
                    continue;
                }

                indexes.Add(new PhysicalIndex((string)row.index_name, indexColumns, (bool)row.is_unique));
            }

            result[name] = new PhysicalTable(name, columns, primaryKey, foreignKeys, indexes);
        }

        return result;
    }
}
