using System.Data.Common;
using System.Text;
using Npgsql;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>PostgreSQL: native uuid and arrays, jsonb, ILIKE search, SQLSTATE error codes.</summary>
internal sealed class PostgresDialect(string schema) : SqlDialect(schema)
{
    // SQLSTATE codes, from the PostgreSQL manual's appendix A.
    private const string UniqueViolation = "23505";
    private const string ForeignKeyViolation = "23503";
    private const string CheckViolation = "23514";
    private const string StringDataRightTruncation = "22001";
    private const string InvalidTextRepresentation = "22P02";
    private const string CharacterNotInRepertoire = "22021";
    private const string UntranslatableCharacter = "22P05";

    public string Schema { get; } = schema;

    public override DatabaseKind Kind => DatabaseKind.Postgres;

    public override string DbSystem => "postgresql";

    public override string VersionTableExists =>
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema AND table_name = @table";

    /// <summary>Takes the session advisory lock that serializes migrators of this schema. Parameters: @lockClass, @schema.</summary>
    public static string LockMigrations => "SELECT pg_advisory_lock(@lockClass, hashtext(@schema))";

    /// <summary>Parameters: @lockClass, @schema.</summary>
    public static string UnlockMigrations => "SELECT pg_advisory_unlock(@lockClass, hashtext(@schema))";

    public string CreateSchema => $"CREATE SCHEMA IF NOT EXISTS {Quote(Schema)}";

    /// <summary>COMMENT ON every table and column given. COMMENT takes no parameters: the texts are the library's own constants, quoted here.</summary>
    public string Comments(IEnumerable<TableModel> tables)
    {
        static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        var sql = new StringBuilder();
        foreach (var table in tables)
        {
            var qualified = Quote(Schema) + "." + Quote(table.PhysicalName);
            sql.Append("COMMENT ON TABLE ").Append(qualified).Append(" IS ").Append(Literal(table.Description)).AppendLine(";");
            foreach (var column in table.Columns)
            {
                sql.Append("COMMENT ON COLUMN ").Append(qualified).Append('.').Append(Quote(column.Name))
                    .Append(" IS ").Append(Literal(column.Description)).AppendLine(";");
            }
        }

        return sql.ToString();
    }

    public override object Uid(Guid value) => value;

    // Arrays travel as one parameter, so a set of any size is one statement (no 65,535 limit).
    public override object UidSet(IReadOnlyCollection<Guid> values) => values as Guid[] ?? [.. values];

    public override object TextSet(IReadOnlyCollection<string> values) => values as string[] ?? [.. values];

    public override string InUidSet(string column, string parameter) => $"{column} = ANY({parameter})";

    public override string InTextSet(string column, string parameter) => $"{column} = ANY({parameter})";

    public override string JsonValue(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string Contains(string column, string parameter) => $"{column} ILIKE {parameter} ESCAPE '\\'";

    public override string SearchValue(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal)
                  .Replace("%", "\\%", StringComparison.Ordinal)
                  .Replace("_", "\\_", StringComparison.Ordinal) + "%";

    public override PortfolioGroupsException? Translate(DbException exception)
    {
        if (exception is not PostgresException pg)
        {
            return null;
        }

        switch (pg.SqlState)
        {
            case UniqueViolation:
                var (table, key) = DescribeConstraint(pg.ConstraintName) ?? (pg.TableName ?? "row", pg.ConstraintName ?? "key");
                return new DuplicateKeyException(table, key, keyValue: null, exception);
            case ForeignKeyViolation:
                // Only a membership references other rows: its group or portfolio went away mid-call.
                return new RowNotFoundException("PortfolioGroup or Portfolio", "uid", "(the membership's group or portfolio was deleted concurrently)", exception);
            case CheckViolation:
            case StringDataRightTruncation:
            case InvalidTextRepresentation:
            case CharacterNotInRepertoire:
            case UntranslatableCharacter:
                return new InvalidValueException(pg.ColumnName ?? pg.ConstraintName ?? "value", pg.MessageText);
            default:
                return null;
        }
    }
}
