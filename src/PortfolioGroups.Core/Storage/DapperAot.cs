using System.Data.Common;
using System.Globalization;
using Dapper;
using PortfolioGroups.Schema;

// Every Dapper call in this assembly is intercepted at build time by Dapper.AOT's generator, so data
// access needs no run-time code generation (file-based apps and NativeAOT turn it off). Each call
// site passes a concrete parameter object and row type for the generator to see; a call it cannot
// intercept is a build error (DapperAot.globalconfig).
[module: DapperAot]

// Each generated command takes its cancellation token from the command that runs it
// (Database.RunAsync), not from the parameter object: Dapper.AOT 1.1.0 generates code that does
// not compile for a token in the parameter object of a statement built at run time.
[module: CommandFactory<PortfolioGroups.Storage.CancellableCommandFactory<object>>]

// Every uid column is read through one handler, so a uid the library cannot read is the library's error.
[module: TypeHandler(typeof(Guid), typeof(PortfolioGroups.Storage.UidValueHandler))]

namespace PortfolioGroups.Storage;

/// <summary>The base of every command factory Dapper.AOT generates here: it cancels the command with the token of the <see cref="Database.RunAsync{T}(System.Data.Common.DbConnection, string, ErrorContext, Func{System.Data.Common.DbConnection, Task{T}}, CancellationToken)"/> call that runs it.</summary>
/// <typeparam name="T">The parameter object's type.</typeparam>
internal abstract class CancellableCommandFactory<T> : CommandFactory<T>
{
    public override CancellationToken GetCancellationToken(T args) => CommandCancellation.Current;

    // A store bound to a transaction names it on every command it runs on that transaction's
    // connection (SQLite refuses a command that does not name its connection's transaction).
    public override System.Data.Common.DbCommand GetCommand(System.Data.Common.DbConnection connection, string sql, System.Data.CommandType commandType, T args)
    {
        var command = base.GetCommand(connection, sql, commandType, args);
        return CommandCancellation.BoundDatabase is { Binding: { } binding } database && ReferenceEquals(binding.Connection, connection)
            ? database.BindCommand(command, binding.Transaction)
            : command;
    }
}

/// <summary>The cancellation token of the command being run, set by <see cref="Database"/> around each command.</summary>
internal static class CommandCancellation
{
    private static readonly AsyncLocal<CancellationToken> Token = new();
    private static readonly AsyncLocal<Database?> Bound = new();

    public static CancellationToken Current => Token.Value;

    /// <summary>The database running the command, when it is bound to a transaction (<see cref="TransactionBinding"/>).</summary>
    public static Database? BoundDatabase => Bound.Value;

    /// <summary>Makes <paramref name="database"/> (bound to a transaction, or null) the one whose commands start until the scope is disposed.</summary>
    public static TransactionScope UseTransaction(Database? database)
    {
        var previous = Bound.Value;
        var bound = database?.Binding is null ? null : database;
        if (ReferenceEquals(previous, bound))
        {
            return default;
        }

        Bound.Value = bound;
        return new TransactionScope(previous, changed: true);
    }

    /// <summary>Makes <paramref name="cancellationToken"/> the token of the commands started until the scope is disposed.</summary>
    public static Scope Use(CancellationToken cancellationToken)
    {
        var previous = Token.Value;
        if (previous == cancellationToken)
        {
            // Already the token (most often none): writing an AsyncLocal copies the execution
            // context, twice per command for nothing.
            return default;
        }

        Token.Value = cancellationToken;
        return new Scope(changed: true, previous);
    }

    public readonly struct Scope(bool changed, CancellationToken previous) : IDisposable
    {
        public void Dispose()
        {
            if (changed)
            {
                Token.Value = previous;
            }
        }
    }

    public readonly struct TransactionScope(Database? previous, bool changed) : IDisposable
    {
        public void Dispose()
        {
            if (changed)
            {
                Bound.Value = previous;
            }
        }
    }
}

/// <summary>
/// Reads every uid column (Dapper.AOT calls it for each <see cref="Guid"/> it maps). PostgreSQL's
/// uuid columns always hold a UUID; SQLite's text columns hold whatever an outside writer put there
/// before the database checked the shape, and a value that is not a UUID is an
/// <see cref="UnreadableRowException"/> naming the table and the row's uid, not a raw
/// <see cref="FormatException"/>: only the calls that return that row fail.
/// </summary>
internal sealed class UidValueHandler : DbValueHandler<Guid>
{
    private const int NativeUuid = 1;

    public override int Tokenize(DbDataReader reader, int columnOffset) =>
        reader.GetFieldType(columnOffset) == typeof(Guid) ? NativeUuid : 0;

    public override Guid Parse(DbDataReader reader, int columnOffset, int token) => Read(reader, columnOffset, token == NativeUuid);

    /// <summary>Reads a uid column: a native uuid column (PostgreSQL's) as it is, a text column (SQLite's) parsed, and anything else an <see cref="UnreadableRowException"/>.</summary>
    public static Guid Read(DbDataReader reader, int columnOffset, bool nativeUuid)
    {
        if (nativeUuid)
        {
            return reader.GetGuid(columnOffset);
        }

        var value = reader.GetValue(columnOffset);
        if (value is string text && Guid.TryParseExact(text, "D", out var uid))
        {
            return uid;
        }

        throw Unreadable(reader, columnOffset, value);
    }

    protected override Guid Parse(object? value) => value switch
    {
        Guid uid => uid,
        string text => Guid.ParseExact(text, "D"),
        _ => throw new InvalidCastException($"A {value?.GetType().Name ?? "null"} is not a uid."),
    };

    protected override void SetValueCore(DbParameter parameter, Guid value) => parameter.Value = value;

    /// <summary>The error for a stored uid that is not a UUID: the table and the row's uid from the reader's column metadata.</summary>
    private static UnreadableRowException Unreadable(DbDataReader reader, int columnOffset, object value)
    {
        var stored = value is byte[] bytes ? "0x" + Convert.ToHexString(bytes) : Convert.ToString(value, CultureInfo.InvariantCulture) ?? "";
        var column = reader.GetName(columnOffset);
        var table = "(unknown table)";
        var rowUid = stored;
        try
        {
            var columns = reader.GetColumnSchema();
            if (columns[columnOffset] is { BaseTableName: { Length: > 0 } baseTable } failed)
            {
                table = SchemaModel.FindTable(baseTable)?.Identifier ?? baseTable;
                column = failed.BaseColumnName ?? column;
                if (columns.FirstOrDefault(c => c.BaseTableName == baseTable && c.BaseColumnName == "uid") is { ColumnOrdinal: { } uidOrdinal }
                    && reader.GetValue(uidOrdinal) is { } uidValue and not DBNull)
                {
                    rowUid = Convert.ToString(uidValue, CultureInfo.InvariantCulture) ?? stored;
                }
            }
        }
        catch (NotSupportedException)
        {
            // A driver without column metadata: the value itself is all there is to name.
        }

        return new UnreadableRowException(table, rowUid, column, $"'{stored}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).");
    }
}
