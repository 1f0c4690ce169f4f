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
        return new RowBufferedCommand(CommandCancellation.BoundDatabase is { Binding: { } binding } database && ReferenceEquals(binding.Connection, connection)
            ? database.BindCommand(command, binding.Transaction)
            : command);
    }
}

/// <summary>
/// A generated command's reader without <see cref="System.Data.CommandBehavior.SequentialAccess"/>,
/// which Dapper.AOT asks of every query. Sequential access has a driver read each column from the
/// wire when it is asked for: Npgsql then reads a row that crosses its buffer with a blocking socket
/// read per column getter (a socket timeout set each time), where a whole row read by
/// <c>ReadAsync</c> is read from memory. The library's rows are small (a few short columns and at
/// most a metadata document), so every row is read whole, as a plain reader reads it. Everything
/// else is the driver's command, unchanged.
/// </summary>
internal sealed class RowBufferedCommand(System.Data.Common.DbCommand inner) : System.Data.Common.DbCommand
{
    private const System.Data.CommandBehavior Sequential = System.Data.CommandBehavior.SequentialAccess;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string CommandText
    {
        get => inner.CommandText;
        set => inner.CommandText = value;
    }

    public override int CommandTimeout
    {
        get => inner.CommandTimeout;
        set => inner.CommandTimeout = value;
    }

    public override System.Data.CommandType CommandType
    {
        get => inner.CommandType;
        set => inner.CommandType = value;
    }

    public override bool DesignTimeVisible
    {
        get => inner.DesignTimeVisible;
        set => inner.DesignTimeVisible = value;
    }

    public override System.Data.UpdateRowSource UpdatedRowSource
    {
        get => inner.UpdatedRowSource;
        set => inner.UpdatedRowSource = value;
    }

    protected override System.Data.Common.DbConnection? DbConnection
    {
        get => inner.Connection;
        set => inner.Connection = value;
    }

    protected override System.Data.Common.DbParameterCollection DbParameterCollection => inner.Parameters;

    protected override System.Data.Common.DbTransaction? DbTransaction
    {
        get => inner.Transaction;
        set => inner.Transaction = value;
    }

    public override void Cancel() => inner.Cancel();

    public override int ExecuteNonQuery() => inner.ExecuteNonQuery();

    public override object? ExecuteScalar() => inner.ExecuteScalar();

    public override void Prepare() => inner.Prepare();

    public override Task<int> ExecuteNonQueryAsync(CancellationToken cancellationToken) => inner.ExecuteNonQueryAsync(cancellationToken);

    public override Task<object?> ExecuteScalarAsync(CancellationToken cancellationToken) => inner.ExecuteScalarAsync(cancellationToken);

    public override Task PrepareAsync(CancellationToken cancellationToken = default) => inner.PrepareAsync(cancellationToken);

    protected override System.Data.Common.DbParameter CreateDbParameter() => inner.CreateParameter();

    protected override System.Data.Common.DbDataReader ExecuteDbDataReader(System.Data.CommandBehavior behavior) => inner.ExecuteReader(behavior & ~Sequential);

    protected override Task<System.Data.Common.DbDataReader> ExecuteDbDataReaderAsync(System.Data.CommandBehavior behavior, CancellationToken cancellationToken) =>
        inner.ExecuteReaderAsync(behavior & ~Sequential, cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
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
    private const int Text = 2;

    // Once per column of a result, not per row: a uuid column (PostgreSQL) or a text one (SQLite).
    public override int Tokenize(DbDataReader reader, int columnOffset)
    {
        var type = reader.GetFieldType(columnOffset);
        return type == typeof(Guid) ? NativeUuid : type == typeof(string) ? Text : 0;
    }

    public override Guid Parse(DbDataReader reader, int columnOffset, int token) => Read(reader, columnOffset, token == NativeUuid);

    /// <summary>Reads a uid column: a native uuid column (PostgreSQL's) as it is, a text column (SQLite's) parsed, and anything else an <see cref="UnreadableRowException"/>.</summary>
    public static Guid Read(DbDataReader reader, int columnOffset, bool nativeUuid)
    {
        if (nativeUuid)
        {
            return reader.GetGuid(columnOffset);
        }

        if (TryParseText(reader, columnOffset, out var parsed))
        {
            // The common case on SQLite: the text read once, without GetValue's dispatch on the value's type.
            return parsed;
        }

        var value = reader.GetValue(columnOffset);
        if (value is string text && Guid.TryParseExact(text, "D", out var uid))
        {
            return uid;
        }

        throw Unreadable(reader, columnOffset, value);
    }

    /// <summary>A text uid of the canonical shape; false for anything else (NULL, another type or shape), which the caller reads again to name.</summary>
    private static bool TryParseText(DbDataReader reader, int columnOffset, out Guid uid)
    {
        uid = default;
        string text;
        try
        {
            text = reader.GetString(columnOffset);
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidCastException)
        {
            return false; // NULL, or a value the driver will not read as text
        }

        return Guid.TryParseExact(text, "D", out uid);
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
