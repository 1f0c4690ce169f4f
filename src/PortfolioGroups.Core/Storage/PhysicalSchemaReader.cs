using System.Data.Common;
using Dapper;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>
/// Reads a database's tables from its own catalog (SQLite's pragmas, PostgreSQL's pg_catalog and
/// information_schema), for the drift check (<see cref="SchemaDrift"/>) and the schema tests.
/// </summary>
/// <remarks>
/// It takes a plain connection, so a test can read a database the library did not open, and the
/// kind of database it is on (the SQL is the reader's own, not a fragment of the database classes,
/// as it reads the catalogs rather than the library's tables). Every call runs with dynamic code off: each
/// query has a concrete row type.
/// </remarks>
internal static class PhysicalSchemaReader
{
    public static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadAsync(DbConnection connection, DatabaseKind kind, string? postgresSchema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using (CommandCancellation.Use(cancellationToken))
        {
            return kind == DatabaseKind.Sqlite
                ? await ReadSqliteAsync(connection).ConfigureAwait(false)
                : await ReadPostgresAsync(connection, postgresSchema ?? PortfolioStoreOptions.DefaultPostgresSchema).ConfigureAwait(false);
        }
    }

    private static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadSqliteAsync(DbConnection connection)
    {
        var result = new Dictionary<string, PhysicalTable>(StringComparer.Ordinal);
        var names = await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").ConfigureAwait(false);
        foreach (var name in names)
        {
            var columns = (await connection.QueryAsync<SqliteColumnRow>(
                    "SELECT name, type, \"notnull\" AS not_null, pk FROM pragma_table_info(@table) ORDER BY cid", new { table = name }).ConfigureAwait(false))
                .ToList();
            var foreignKeys = await connection.QueryAsync<SqliteForeignKeyRow>(
                "SELECT \"from\" AS column_name, \"table\" AS principal_table, \"to\" AS principal_column, on_delete FROM pragma_foreign_key_list(@table) ORDER BY id, seq",
                new { table = name }).ConfigureAwait(false);
            var indexColumns = await connection.QueryAsync<SqliteIndexRow>(
                "SELECT il.name AS index_name, il.\"unique\" AS is_unique, ii.name AS column_name "
                + "FROM pragma_index_list(@table) il JOIN pragma_index_info(il.name) ii WHERE il.origin <> 'pk' ORDER BY il.name, ii.seqno",
                new { table = name }).ConfigureAwait(false);

            result[name] = new PhysicalTable(
                name,
                [.. columns.Select(c => new PhysicalColumn(c.Name, c.Type, c.NotNull == 0 && c.Pk == 0))],
                [.. columns.Where(c => c.Pk > 0).OrderBy(c => c.Pk).Select(c => c.Name)],
                [.. foreignKeys.Select(f => new PhysicalForeignKey(null, f.ColumnName, f.PrincipalTable, f.PrincipalColumn, f.OnDelete.ToUpperInvariant()))],
                [.. indexColumns.GroupBy(i => i.IndexName, StringComparer.Ordinal).Select(g => new PhysicalIndex(g.Key, [.. g.Select(i => i.ColumnName)], g.First().IsUnique == 1))]);
        }

        return result;
    }

    private static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadPostgresAsync(DbConnection connection, string schema)
    {
        var result = new Dictionary<string, PhysicalTable>(StringComparer.Ordinal);
        var names = await connection.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = @schema AND table_type = 'BASE TABLE' ORDER BY table_name", new { schema }).ConfigureAwait(false);
        foreach (var name in names)
        {
            var columns = await connection.QueryAsync<PostgresColumnRow>(
                "SELECT column_name, CASE WHEN data_type = 'character varying' THEN 'varchar(' || character_maximum_length || ')' ELSE data_type END AS type, is_nullable "
                + "FROM information_schema.columns WHERE table_schema = @schema AND table_name = @name ORDER BY ordinal_position",
                new { schema, name }).ConfigureAwait(false);

            var foreignKeys = await connection.QueryAsync<PostgresForeignKeyRow>(
                "SELECT c.conname AS constraint_name, a.attname AS column_name, rt.relname AS principal_table, ra.attname AS principal_column, "
                + "CASE c.confdeltype WHEN 'c' THEN 'CASCADE' WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS on_delete "
                + "FROM pg_constraint c "
                + "JOIN pg_class t ON t.oid = c.conrelid "
                + "JOIN pg_namespace n ON n.oid = t.relnamespace "
                + "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
                + "JOIN pg_class rt ON rt.oid = c.confrelid "
                + "JOIN pg_attribute ra ON ra.attrelid = c.confrelid AND ra.attnum = c.confkey[1] "
                + "WHERE c.contype = 'f' AND n.nspname = @schema AND t.relname = @name ORDER BY c.conname",
                new { schema, name }).ConfigureAwait(false);

            // The column list travels as one comma-separated text: the library's column names hold no comma.
            var indexes = (await connection.QueryAsync<PostgresIndexRow>(
                    "SELECT i.relname AS index_name, ix.indisunique AS is_unique, ix.indisprimary AS is_primary, "
                    + "array_to_string(array(SELECT a.attname::text FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord) "
                    + "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord), ',') AS column_list "
                    + "FROM pg_index ix "
                    + "JOIN pg_class t ON t.oid = ix.indrelid "
                    + "JOIN pg_class i ON i.oid = ix.indexrelid "
                    + "JOIN pg_namespace n ON n.oid = t.relnamespace "
                    + "WHERE n.nspname = @schema AND t.relname = @name ORDER BY i.relname",
                    new { schema, name }).ConfigureAwait(false))
                .ToList();

            result[name] = new PhysicalTable(
                name,
                [.. columns.Select(c => new PhysicalColumn(c.ColumnName, c.Type, c.IsNullable == "YES"))],
                indexes.Where(i => i.IsPrimary).Select(i => Split(i.ColumnList)).FirstOrDefault() ?? [],
                [.. foreignKeys.Select(f => new PhysicalForeignKey(f.ConstraintName, f.ColumnName, f.PrincipalTable, f.PrincipalColumn, f.OnDelete))],
                [.. indexes.Where(i => !i.IsPrimary).Select(i => new PhysicalIndex(i.IndexName, Split(i.ColumnList), i.IsUnique))]);
        }

        return result;
    }

    private static string[] Split(string columns) => columns.Split(',', StringSplitOptions.RemoveEmptyEntries);

    internal sealed record SqliteColumnRow(string Name, string Type, long NotNull, long Pk);

    internal sealed record SqliteForeignKeyRow(string ColumnName, string PrincipalTable, string PrincipalColumn, string OnDelete);

    internal sealed record SqliteIndexRow(string IndexName, long IsUnique, string ColumnName);

    internal sealed record PostgresColumnRow(string ColumnName, string Type, string IsNullable);

    internal sealed record PostgresForeignKeyRow(string ConstraintName, string ColumnName, string PrincipalTable, string PrincipalColumn, string OnDelete);

    internal sealed record PostgresIndexRow(string IndexName, bool IsUnique, bool IsPrimary, string ColumnList);
}
