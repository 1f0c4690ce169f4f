using System.Data.Common;
using System.Text.RegularExpressions;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>The foreseeable kinds of driver failure, as each database class classifies them.</summary>
internal enum StorageErrorKind
{
    /// <summary>A unique key or primary key is already taken.</summary>
    Duplicate,

    /// <summary>A foreign key points at a row that does not exist (deleted concurrently).</summary>
    MissingReference,

    /// <summary>A value broke a CHECK constraint or a type's rules.</summary>
    InvalidValue,

    /// <summary>A table the library owns is missing: the schema is not (or no longer) migrated.</summary>
    NotMigrated,

    /// <summary>The connection was lost or could not be made (the server ended it, restarted, or is unreachable).</summary>
    ConnectionLost,

    /// <summary>The database named by the connection string does not exist.</summary>
    DatabaseMissing,

    /// <summary>The server refused the credentials.</summary>
    AuthenticationFailed,

    /// <summary>The schema the tables live in does not exist (PostgreSQL).</summary>
    SchemaMissing,

    /// <summary>
    /// No host of a multi-host data source is a primary: the hosts that answered are standbys (a
    /// failover under way, or a data source that names standbys only).
    /// </summary>
    NoPrimary,

    /// <summary>The database stayed busy (locked by another writer) for longer than the command or lock timeout.</summary>
    Busy,

    /// <summary>
    /// The database ended the call's transaction so that another could go on: it was a deadlock's
    /// victim, or failed to serialize (PostgreSQL). Everything the transaction wrote is rolled back,
    /// so running it again is safe.
    /// </summary>
    Conflict,
}

/// <summary>
/// A classified driver error. <see cref="Constraint"/> names the constraint or index where the
/// driver says (PostgreSQL); otherwise <see cref="Table"/> and <see cref="Columns"/> do (SQLite).
/// </summary>
internal sealed record StorageError(
    StorageErrorKind Kind,
    string? Constraint = null,
    string? Table = null,
    IReadOnlyList<string>? Columns = null,
    string? Field = null,
    string? Message = null);

/// <summary>
/// What a statement was about, passed by the repository that runs it, so that a driver error can
/// name the row: the MetaTable it writes, the values of the keys it writes, and how the caller named
/// each row its foreign keys point at.
/// </summary>
/// <param name="Table">The MetaTable identifier the statement writes, such as <c>Portfolio</c>.</param>
internal sealed record ErrorContext(string Table)
{
    /// <summary>For statements that only read: no write can fail on a key.</summary>
    public static ErrorContext Read { get; } = new("(read)");

    /// <summary>For opening a connection: nothing was read or written yet.</summary>
    public static ErrorContext Open { get; } = new("(open)");

    /// <summary>For opening the connection a migration runs on: without a primary, the store cannot be migrated.</summary>
    public static ErrorContext OpenForMigration { get; } = new("(open for migration)");

    /// <summary>For the statements of a write transaction that name no row (temporary tables, savepoints, the commit).</summary>
    public static ErrorContext InWriteTransaction { get; } = new("(write)");

    private Func<ErrorContext>? _deferred;

    /// <summary>
    /// A write's context built only when an error needs it (<see cref="Resolve"/>): a single-row
    /// call then formats no keys and copies no dictionaries when it succeeds, as it nearly always does.
    /// </summary>
    public static ErrorContext Deferred(string table, Func<ErrorContext> build) => new(table) { _deferred = build };

    /// <summary>The context itself, or the one <see cref="Deferred"/> builds.</summary>
    public ErrorContext Resolve() => _deferred?.Invoke() ?? this;

    /// <summary>The values written to each key, by key name (<c>uid</c>, <c>unique_identifier</c>, <c>(portfolio_group_uid, portfolio_uid)</c>).</summary>
    public IReadOnlyDictionary<string, string> Keys { get; private init; } = new Dictionary<string, string>();

    /// <summary>How the caller named the row each foreign-key column points at, by column.</summary>
    public IReadOnlyDictionary<string, (string KeyName, string KeyValue)> References { get; private init; } =
        new Dictionary<string, (string KeyName, string KeyValue)>();

    /// <summary>Adds the value the statement writes to a key.</summary>
    public ErrorContext WithKey(string keyName, string value) =>
        this with { Keys = new Dictionary<string, string>(Keys) { [keyName] = value } };

    /// <summary>Adds how the caller named the row a foreign-key column is set to.</summary>
    public ErrorContext WithReference(string column, string keyName, string keyValue) =>
        this with { References = new Dictionary<string, (string, string)>(References) { [column] = (keyName, keyValue) } };
}

/// <summary>
/// The one place a driver error becomes the library's exception. The database classes only
/// classify (SQLSTATE, SQLite result codes); the repository passes the context; the model graph
/// turns constraint names into the MetaTable and key they belong to.
/// </summary>
internal static partial class ErrorTranslator
{
    public static PortfolioGroupsException Translate(StorageError error, ErrorContext context, DbException exception) =>
        TranslateResolved(error, context.Resolve(), exception);

    private static PortfolioGroupsException TranslateResolved(StorageError error, ErrorContext context, DbException exception) =>
        error.Kind switch
        {
            StorageErrorKind.Duplicate => Duplicate(error, context, exception),
            StorageErrorKind.MissingReference => MissingReference(error, context, exception),
            StorageErrorKind.NotMigrated => new PortfolioGroupsException(
                $"The PortfolioGroups schema is not migrated in this database ({error.Message}): call MigrateAsync, or open the store with MigrateOnOpen.",
                exception),
            StorageErrorKind.ConnectionLost => new TransientStorageException(ConnectionLostMessage(context, exception), connectionLost: true, exception),
            StorageErrorKind.NoPrimary when ReferenceEquals(context, ErrorContext.OpenForMigration) => new StoreOpenException(
                StoreOpenFailure.NoPrimary,
                $"Migrations run on the primary server, but no host of the data source is one ({exception.Message}): the hosts that answered are standbys. "
                + "Name the primary among the data source's hosts, or wait until a standby has been promoted; or open the store with MigrateOnOpen off to read from the standbys.",
                exception),
            StorageErrorKind.NoPrimary => new TransientStorageException(
                $"No host of the data source is a primary server ({exception.Message}): a failover may be under way. Nothing was written; run the call again once a primary is up.",
                connectionLost: true,
                exception),
            StorageErrorKind.DatabaseMissing => new StoreOpenException(
                StoreOpenFailure.DatabaseMissing,
                $"The database named by the connection string does not exist ({error.Message ?? exception.Message}): create it, or correct the connection string. The library creates its tables, not the database.",
                exception),
            StorageErrorKind.AuthenticationFailed => new StoreOpenException(
                StoreOpenFailure.AuthenticationFailed,
                $"The database server refused the credentials ({error.Message ?? exception.Message}): check the user name and password (or password provider) of the connection string or data source.",
                exception),
            StorageErrorKind.SchemaMissing => new StoreOpenException(
                StoreOpenFailure.SchemaMissing,
                $"The schema of the PortfolioGroups tables does not exist ({error.Message ?? exception.Message}): create it, let a role that may create it migrate the store (MigrateOnOpen), or correct PostgresSchema.",
                exception),
            StorageErrorKind.Busy => new TransientStorageException(
                $"The database was busy ({exception.Message}); nothing was written. Run the call again.",
                connectionLost: false,
                exception),
            StorageErrorKind.Conflict => new TransientStorageException(
                $"The database ended this call's transaction to let a concurrent one go on ({exception.Message}); nothing was written. Run the call again.",
                connectionLost: false,
                exception) { RolledBackForConflict = true },
            _ => new InvalidValueException(error.Field ?? "value", error.Message ?? exception.Message),
        };

    /// <summary>A lost connection, said for the operation that was running: opening, reading or writing.</summary>
    private static string ConnectionLostMessage(ErrorContext context, DbException exception)
    {
        if (ReferenceEquals(context, ErrorContext.Open) || ReferenceEquals(context, ErrorContext.OpenForMigration))
        {
            return $"The database server could not be reached while opening a connection ({exception.Message}). Nothing was read or written; "
                + "check that the server is running and reachable, then run the call again.";
        }

        if (ReferenceEquals(context, ErrorContext.Read))
        {
            return $"The connection to the database was lost while reading ({exception.Message}). Nothing was written; run the call again.";
        }

        return $"The connection to the database was lost while writing ({exception.Message}). The write was not committed "
            + "unless the connection was lost while committing; every library call is one statement or one transaction, so nothing was half-applied.";
    }

    /// <summary>
    /// A migration that a stored row stops (the row breaks a rule the migration adds): the
    /// library's error instead of FluentMigrator's, saying what to do. FluentMigrator runs each
    /// migration in a transaction, so the failed one changed nothing.
    /// </summary>
    public static PortfolioGroupsException MigrationStoppedByRow(StorageError error, DbException exception, Exception failure) =>
        new(
            $"A migration could not be applied: a row in the database breaks a rule it adds ({error.Message ?? exception.Message}). "
            + "The migration changed nothing. Fix or delete the row with SQL (docs/reliability.md says how to find it), then migrate again.",
            failure);

    /// <summary>
    /// A migration stopped by a lost connection, a timeout or a conflict: the version that was
    /// running rolled back (FluentMigrator runs each in a transaction), those before it stay applied,
    /// and the next migrate call goes on from there.
    /// </summary>
    public static TransientStorageException MigrationInterrupted(StorageError error, DbException exception, Exception failure) =>
        new(
            (error.Kind == StorageErrorKind.ConnectionLost ? "The connection to the database was lost while migrating" : "The database stopped a migration")
            + $" ({exception.Message}). The migration that was running changed nothing, and those before it stay applied: run the migrate call again.",
            connectionLost: error.Kind == StorageErrorKind.ConnectionLost,
            failure);

    /// <summary>The name a key goes by in errors: the column, or the columns in parentheses.</summary>
    public static string KeyName(IReadOnlyList<string> columns) =>
        columns.Count == 1 ? columns[0] : "(" + string.Join(", ", columns) + ")";

    private static DuplicateKeyException Duplicate(StorageError error, ErrorContext context, DbException exception)
    {
        var (table, columns) = FindKey(error);
        var keyName = columns is null ? error.Constraint ?? "key" : KeyName(columns);
        return new DuplicateKeyException(table?.Identifier ?? context.Table, keyName, context.Keys.GetValueOrDefault(keyName), exception);
    }

    private static RowNotFoundException MissingReference(StorageError error, ErrorContext context, DbException exception)
    {
        // PostgreSQL names the foreign key. SQLite does not; there the context names the one row
        // the statement points at. (SQLite runs one writer at a time and the library resolves both
        // sides inside the writing statement, so its own calls cannot get here on SQLite.)
        var foreignKey = ForeignKeys.FirstOrDefault(f => f.Name == error.Constraint)
                         ?? (context.References.Count == 1 ? ForeignKeyOn(context.References.Keys.Single()) : null);
        if (foreignKey is not null && context.References.TryGetValue(foreignKey.Column, out var reference))
        {
            return new RowNotFoundException(PrincipalOf(foreignKey), reference.KeyName, reference.KeyValue, exception);
        }

        var tables = context.References.Keys.Select(ForeignKeyOn).OfType<ForeignKeyModel>().Select(PrincipalOf);
        return new RowNotFoundException(string.Join(" or ", tables), "uid", "(deleted concurrently)", exception);
    }

    private static IEnumerable<ForeignKeyModel> ForeignKeys => SchemaModel.AllTables.SelectMany(t => t.ForeignKeys);

    private static ForeignKeyModel? ForeignKeyOn(string column) => ForeignKeys.FirstOrDefault(f => f.Column == column);

    private static string PrincipalOf(ForeignKeyModel foreignKey) => SchemaModel.FindTable(foreignKey.PrincipalTable)!.Identifier;

    /// <summary>The table and key columns of the unique constraint or index the error names.</summary>
    private static (TableModel? Table, IReadOnlyList<string>? Columns) FindKey(StorageError error)
    {
        if (error.Constraint is { } name)
        {
            foreach (var table in SchemaModel.AllTables)
            {
                if (table.PrimaryKeyName == name)
                {
                    return (table, [table.PrimaryKeyColumn]);
                }

                if (table.Indexes.FirstOrDefault(i => i.Name == name) is { } index)
                {
                    return (table, index.Columns);
                }
            }

            // A partition's index of a partitioned membership table: the partitioned index's name and _p<n>.
            var partitionSuffix = PartitionIndexSuffix().Match(name);
            return partitionSuffix.Success ? FindKey(error with { Constraint = name[..partitionSuffix.Index] }) : (null, null);
        }

        return (error.Table is { } physical ? SchemaModel.FindTable(physical) : null, error.Columns);
    }

    [GeneratedRegex(@"_p[0-9]+$")]
    private static partial Regex PartitionIndexSuffix();
}
