using System.Data.Common;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace PortfolioGroups.Storage;

/// <summary>
/// SQLite: uuids as canonical lower-case text, JSON as checked text, sets of keys as one JSON
/// array parameter read with <c>json_each</c>, and a case-insensitive search function.
/// </summary>
internal sealed class SqliteDialect() : SqlDialect(schema: null)
{
    /// <summary>The search function registered on every connection the library opens.</summary>
    public const string ContainsFunction = "portfoliogroups_contains";

    // Primary result code and extended codes, from the SQLite C API's result code list.
    private const int SqliteConstraint = 19;
    private const int ConstraintUnique = 2067;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintForeignKey = 787;
    private const int ConstraintCheck = 275;

    public override DatabaseKind Kind => DatabaseKind.Sqlite;

    public override string DbSystem => "sqlite";

    /// <summary>Switches a file database to write-ahead logging (stored in the file).</summary>
    public const string UseWriteAheadLog = "PRAGMA journal_mode = WAL";

    /// <summary>Sets SQLite's own busy handler; PRAGMA takes no parameters, the value is an int the library computed.</summary>
    public static string BusyTimeout(int milliseconds) => $"PRAGMA busy_timeout = {milliseconds}";

    public override string VersionTableExists => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @table";

    public static string UidText(Guid value) => value.ToString("D");

    public override object Uid(Guid value) => UidText(value);

    // One JSON array parameter instead of one variable per key: no 32,766-variable limit.
    public override object UidSet(IReadOnlyCollection<Guid> values) =>
        JsonSerializer.Serialize(values.Select(UidText), SqliteJson.Default.IEnumerableString);

    public override object TextSet(IReadOnlyCollection<string> values) =>
        JsonSerializer.Serialize(values, SqliteJson.Default.IEnumerableString);

    public override string InUidSet(string column, string parameter) =>
        $"{column} IN (SELECT value FROM json_each({parameter}))";

    public override string InTextSet(string column, string parameter) =>
        $"{column} IN (SELECT value FROM json_each({parameter}))";

    public override string JsonValue(string parameter) => parameter;

    public override string Contains(string column, string parameter) => $"{ContainsFunction}({column}, {parameter})";

    public override string SearchValue(string text) => text;

    /// <summary>The implementation of <see cref="ContainsFunction"/>: ordinal, case-insensitive, literal.</summary>
    public static bool ContainsIgnoreCase(string? haystack, string? needle) =>
        haystack is not null && needle is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    public override PortfolioGroupsException? Translate(DbException exception)
    {
        if (exception is not SqliteException { SqliteErrorCode: SqliteConstraint } sqlite)
        {
            return null;
        }

        switch (sqlite.SqliteExtendedErrorCode)
        {
            case ConstraintUnique:
            case ConstraintPrimaryKey:
                // The message reads "UNIQUE constraint failed: table.col1, table.col2".
                var failed = sqlite.Message[(sqlite.Message.LastIndexOf(':') + 1)..].Trim().TrimEnd('\'', '.');
                var table = failed.Split('.')[0];
                var columns = string.Join(", ", failed.Split(", ").Select(c => c[(c.IndexOf('.') + 1)..]));
                var (identifier, key) = DescribeColumns(table, columns) ?? (table, columns);
                return new DuplicateKeyException(identifier, key, keyValue: null, exception);
            case ConstraintForeignKey:
                // Only a membership references other rows: its group or portfolio went away mid-call.
                return new RowNotFoundException("PortfolioGroup or Portfolio", "uid", "(the membership's group or portfolio was deleted concurrently)", exception);
            case ConstraintCheck:
                return new InvalidValueException("value", sqlite.Message);
            default:
                return null;
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(IEnumerable<string>))]
internal sealed partial class SqliteJson : System.Text.Json.Serialization.JsonSerializerContext;
