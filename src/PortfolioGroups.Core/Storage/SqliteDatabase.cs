using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Dapper;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Generators.SQLite;
using FluentMigrator.Runner.Initialization;
using FluentMigrator.Runner.Processors;
using FluentMigrator.Runner.Processors.SQLite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>
/// Everything SQLite: connection set-up (foreign keys forced on, the busy handler, the search
/// function, WAL), uuids as canonical lower-case text, JSON as checked text, sets of keys as one
/// JSON array parameter read with <c>json_each</c>, result codes, and the migration target.
/// </summary>
internal sealed partial class SqliteDatabase : Database
{
    /// <summary>The search function registered on every connection the library opens.</summary>
    public const string ContainsFunction = "portfoliogroups_contains";

    // Primary result code and extended codes, from the SQLite C API's result code list.
    private const int SqliteError = 1;
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteCantOpen = 14;
    private const int SqliteConstraint = 19;
    private const int ConstraintUnique = 2067;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintForeignKey = 787;
    private const int ConstraintCheck = 275;
    private const int ConstraintTrigger = 1811;

    // In-process locks of shared in-memory databases (which only this process can see), by name.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> s_memoryMigrationLocks = new(StringComparer.Ordinal);

    private readonly string _connectionString;
    private readonly string? _migrationLockPath;
    private readonly string _memoryName;
    private readonly TimeSpan _lockTimeout;
    private readonly ConcurrentDictionary<DbConnection, IDisposable> _heldMigrationLocks = new();
    private readonly SqliteDataSource _sqliteDataSource;
    private SqliteConnection? _keepAlive;

    private SqliteDatabase(SqliteDataSource dataSource, string? migrationLockPath, string memoryName, TimeSpan lockTimeout)
        : base(dataSource, ownsDataSource: true, schema: null)
    {
        _connectionString = dataSource.ConnectionString;
        _sqliteDataSource = dataSource;
        _migrationLockPath = migrationLockPath;
        _memoryName = memoryName;
        _lockTimeout = lockTimeout;
    }

    /// <summary>The suffix of the lock file beside a database file that serializes migrators across processes.</summary>
    public const string MigrationLockSuffix = ".migrate-lock";

    public override DatabaseKind Kind => DatabaseKind.Sqlite;

    /// <summary>How many times this store set a physical connection up (the search function and the pragmas): once per connection in the pool, not once per call.</summary>
    internal long ConnectionSetUps => _sqliteDataSource.SetUps;

    protected override string DbSystem => "sqlite";

    /// <summary>
    /// Opens a SQLite database: a file (switched to WAL) or a shared in-memory database (kept alive
    /// until disposed). A private in-memory database is refused: it would vanish with its connection.
    /// </summary>
    /// <exception cref="InvalidValueException">The connection string or a SQLite option is invalid, or the database cannot be opened.</exception>
    public static async Task<SqliteDatabase> OpenAsync(string connectionString, PortfolioStoreOptions options, CancellationToken cancellationToken)
    {
        var settings = ConnectionSettings(options);
        SqliteConnectionStringBuilder builder;
        try
        {
            // Cascading deletes depend on foreign keys: forced on whatever the caller's string says.
            builder = new SqliteConnectionStringBuilder(connectionString) { ForeignKeys = true };
        }
        catch (ArgumentException ex)
        {
            throw new InvalidValueException(nameof(connectionString), ex.Message);
        }

        var isMemory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:" || builder.DataSource.Length == 0;
        if (isMemory && builder.Cache != SqliteCacheMode.Shared)
        {
            throw new InvalidValueException(
                nameof(connectionString),
                "a private in-memory SQLite database exists only for one connection; use a shared one, such as \"Data Source=name;Mode=Memory;Cache=Shared\", or a file.");
        }

        // SQLite's own busy handler waits for a writer with short sleeps; without it
        // Microsoft.Data.Sqlite retries in coarse steps. Bounded by the command timeout
        // ("Default Timeout", 30 s by default).
        var busyTimeoutMs = (int)Math.Min(builder.DefaultTimeout * 1000L, int.MaxValue);
        var lockPath = isMemory ? null : Path.GetFullPath(builder.DataSource) + MigrationLockSuffix;
        var database = new SqliteDatabase(
            new SqliteDataSource(builder.ToString(), $"PRAGMA busy_timeout = {busyTimeoutMs};{settings}", TimeSpan.FromMilliseconds(busyTimeoutMs)),
            lockPath,
            builder.DataSource,
            TimeSpan.FromMilliseconds(busyTimeoutMs));
        SqliteConnection first;
        try
        {
            first = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteCantOpen && lockPath is not null && !File.Exists(Path.GetFullPath(builder.DataSource)))
        {
            // Mode=ReadWrite or ReadOnly: SQLite may not create the file.
            throw ErrorTranslator.Translate(
                new StorageError(StorageErrorKind.DatabaseMissing, Message: $"there is no SQLite file at '{Path.GetFullPath(builder.DataSource)}', and the connection string's Mode={builder.Mode} does not create one"),
                ErrorContext.Open,
                ex);
        }
        catch (SqliteException ex)
        {
            throw new InvalidValueException(nameof(connectionString), $"the SQLite database '{builder.DataSource}' cannot be opened: {ex.Message}");
        }
        catch (InvalidOperationException ex)
        {
            // The connection string asks for what this SQLite build cannot do, such as a password (encryption).
            throw new InvalidValueException(nameof(connectionString), ex.Message);
        }

        if (isMemory)
        {
            // A shared in-memory database lives while one connection to it is open.
            database._keepAlive = first;
            return database;
        }

        await using (first.ConfigureAwait(false))
        {
            // WAL lets readers and a writer proceed together; the setting is stored in the file.
            using var wal = first.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return database;
    }

    /// <summary>
    /// The per-connection pragmas the options ask for, checked. PRAGMA takes no parameters: only
    /// keywords and integers the library computed go into the text.
    /// </summary>
    private static string ConnectionSettings(PortfolioStoreOptions options)
    {
        var synchronous = options.SqliteSynchronous switch
        {
            SqliteSynchronousMode.Full => "FULL",
            SqliteSynchronousMode.Normal => "NORMAL",
            _ => throw new InvalidValueException(
                nameof(PortfolioStoreOptions.SqliteSynchronous),
                $"must be {nameof(SqliteSynchronousMode.Full)} or {nameof(SqliteSynchronousMode.Normal)} (got {(int)options.SqliteSynchronous})."),
        };
        if (options.PostgresMembershipPartitions != 0)
        {
            throw new InvalidValueException(
                nameof(PortfolioStoreOptions.PostgresMembershipPartitions),
                $"is PostgreSQL only: SQLite has no partitioned tables, so it must be 0 on SQLite (got {options.PostgresMembershipPartitions}).");
        }

        var settings = $" PRAGMA synchronous = {synchronous};";
        if (options.SqliteCacheSizeKiB is { } cacheKiB)
        {
            if (cacheKiB is < 1 or > PortfolioStoreOptions.MaxSqliteCacheSizeKiB)
            {
                throw new InvalidValueException(
                    nameof(PortfolioStoreOptions.SqliteCacheSizeKiB),
                    $"must be between 1 and {PortfolioStoreOptions.MaxSqliteCacheSizeKiB} KiB, or null for SQLite's default (got {cacheKiB}).");
            }

            // A negative cache_size is a size in KiB; a positive one would count pages.
            settings += $" PRAGMA cache_size = -{cacheKiB};";
        }

        return settings;
    }

    // ---- a host's transaction ------------------------------------------------------------------

    public override void PrepareJoin(DbTransaction transaction)
    {
        if (transaction.Connection is not SqliteConnection connection)
        {
            throw new InvalidOperationException(
                $"The transaction is a {transaction.GetType().Name} on {transaction.Connection?.GetType().Name ?? "no connection"}, but this store is on SQLite: join a Microsoft.Data.Sqlite transaction on the store's database.");
        }

        var joined = new SqliteConnectionStringBuilder(connection.ConnectionString).DataSource;
        var same = _migrationLockPath is null
            ? string.Equals(joined, _memoryName, StringComparison.Ordinal)
            : joined.Length > 0 && string.Equals(Path.GetFullPath(joined), Path.GetFullPath(_memoryName), StringComparison.Ordinal);
        if (!same)
        {
            throw new InvalidOperationException($"The transaction is on the SQLite database '{joined}', but this store is on '{_memoryName}': join a transaction on the store's database.");
        }

        // Cascading deletes depend on foreign keys, which cannot be turned on inside a transaction.
        using (var check = connection.CreateCommand())
        {
            check.Transaction = (SqliteTransaction)transaction;
            check.CommandText = "PRAGMA foreign_keys";
            if (Convert.ToInt64(check.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 1)
            {
                throw new InvalidOperationException(
                    "The transaction's SQLite connection has foreign keys off, so deletes would not cascade to memberships: open it with \"Foreign Keys=True\" in its connection string (EF Core turns them on by itself).");
            }
        }

        // The filters' search function, as on every connection the library opens (on the physical
        // connection, as there: the pool may hand this one to the library later).
        RegisterContains(connection);
    }

    // Microsoft.Data.Sqlite refuses a command that does not name its connection's transaction, and
    // Dapper.AOT sets the transaction the statement's call named (none) after building the command:
    // the command moves into one that keeps the bound transaction instead of none.
    public override DbCommand BindCommand(DbCommand command, DbTransaction transaction)
    {
        var built = (SqliteCommand)command;
        var bound = new TransactionBoundCommand((SqliteTransaction)transaction)
        {
            Connection = built.Connection,
            CommandText = built.CommandText,
            CommandType = built.CommandType,
            CommandTimeout = built.CommandTimeout,
        };
        var parameters = built.Parameters.Cast<SqliteParameter>().ToArray();
        built.Parameters.Clear();
        bound.Parameters.AddRange(parameters);
        built.Dispose();
        return bound;
    }

    /// <summary>A command whose transaction, when set to none, stays the bound one.</summary>
    private sealed class TransactionBoundCommand(SqliteTransaction bound) : SqliteCommand
    {
        public override SqliteTransaction? Transaction
        {
            get => base.Transaction;
            set => base.Transaction = value ?? bound;
        }
    }

    // ---- SQL fragments -------------------------------------------------------------------------

    public override string VersionTableExists => "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = @table";

    public override object Uid(Guid value) => value.ToString("D");

    // Text, written by anyone before the database checked the shape: parsed, and refused with the row named.
    public override Guid ReadUid(DbDataReader reader, int column) => UidValueHandler.Read(reader, column, nativeUuid: false);

    // One JSON array parameter instead of one variable per key: no 32,766-variable limit. A uid's
    // "D" text needs no escaping, so the array is written straight into the string: for 40,000
    // uids that is one 1.5 MB string instead of 40,000 strings, a serializer pass and its buffers.
    public override object UidSet(IReadOnlyCollection<Guid> values)
    {
        const int quoted = 38;
        return string.Create(values.Count == 0 ? 2 : 1 + (values.Count * (quoted + 1)), values, static (text, uids) =>
        {
            text[0] = '[';
            var at = 1;
            foreach (var uid in uids)
            {
                if (at > 1)
                {
                    text[at++] = ',';
                }

                text[at] = '"';
                uid.TryFormat(text[(at + 1)..], out var written, "D");
                text[at + 1 + written] = '"';
                at += quoted;
            }

            text[at] = ']';
        });
    }

    public override object TextSet(IReadOnlyCollection<string> values) =>
        JsonSerializer.Serialize(values, SqliteJson.Default.IEnumerableString);

    // json_each is a table-valued function: joined, SQLite reads the array once and looks each
    // element up in the other table's index (no temporary b-tree of the whole set).
    public override string KeyRows(string parameter, string alias) => $"json_each({parameter}) AS {alias}";

    // SQLite's DELETE has no join: the subquery joins the set to the table, so only the rows found
    // (not every key given) are collected before the delete.
    public override string DeleteJoined(string table, string rows, bool returnUids = false) =>
        $"DELETE FROM {table} WHERE uid IN (SELECT d.uid FROM {rows} AS n JOIN {table} d ON d.uid = n.uid)" + (returnUids ? " RETURNING uid" : "");

    public override string SetElement(string parameter, int index) => $"json_extract({parameter}, '$[{index}]')";

    // SQLite takes an OFFSET only after a LIMIT; -1 is no limit.
    public override string KeepSubquery => " LIMIT -1 OFFSET 0";

    public override string PageLimit(string parameter) => parameter;

    // sqlite_stat1 holds the average rows per group, not each group's.
    public override bool EstimatesEachValue => false;

    public override string JsonValue(string parameter) => parameter;

    public override string Contains(string column, string parameter) => $"{ContainsFunction}({column}, {parameter})";

    public override string SearchValue(string text) => text;

    // SQLite's lower() folds ASCII letters only; its comparison is by code point (BINARY).
    public override string SortText(string column) => $"lower({column})";

    // Uids are stored as their lower-case "D" text.
    public override string UidText(string column) => column;

    // The history's instants are text in UTC at milliseconds, as strftime('%Y-%m-%d %H:%M:%f') writes
    // them, and compare as text; an instant is cut to its millisecond.
    public override string InstantParameter(string parameter) => parameter;

    public override string InstantValue(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);

    // ---- bulk writes ---------------------------------------------------------------------------

    // A batch is one prepared INSERT run for each of its rows, in the call's transaction: SQLite's
    // own fast path (no SQL parsed per row, no JSON to build and parse, no variable limit).
    public override int BulkBatchSize => 10_000;

    // The write transaction (BEGIN IMMEDIATE) already excludes every other writer.
    public override string LockForUpdate => "";

    public override string LockAgainstDelete => "";

    public override string TempTableName(TempTable table) => "temp." + Quote(table.Name);

    // Pooled connections keep temporary tables alive, so an old one is replaced, and CommitAsync drops it.
    public override string CreateTempTable(TempTable table) =>
        $"DROP TABLE IF EXISTS {TempTableName(table)}; "
        + $"CREATE TEMP TABLE {Quote(table.Name)} ({table.Definition(kind => kind == TempColumnKind.Integer ? "INTEGER" : "TEXT")})";

    public override string? DropTempTable(TempTable table) => $"DROP TABLE {TempTableName(table)}";

    public override async Task<int> CopyRowsAsync(DbConnection connection, DbTransaction transaction, TempTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        using var command = (SqliteCommand)connection.CreateCommand();
        command.Transaction = (SqliteTransaction)transaction;
        command.CommandText = $"INSERT INTO {TempTableName(table)} ({table.ColumnList}) VALUES ({string.Join(", ", table.Columns.Select((_, i) => "$" + i))})";
        var values = table.Columns.Select((_, i) => command.Parameters.Add(new SqliteParameter("$" + i, null))).ToArray();
        command.Prepare();
        var copied = 0;
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            for (var i = 0; i < values.Length; i++)
            {
                values[i].Value = row[i] ?? DBNull.Value;
            }

            // Microsoft.Data.Sqlite runs statements synchronously whatever the method's name.
            copied += await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return copied;
    }

    public override string JsonRows(string parameter, IReadOnlyList<ColumnModel> columns)
    {
        // json_extract gives a nested object or array as its JSON text, which is how SQLite stores JSON.
        var select = new StringBuilder("SELECT ");
        select.AppendJoin(", ", columns.Select(c => $"json_extract(value, '$.{c.Name}') AS {c.Name}"));
        return select.Append(" FROM json_each(").Append(parameter).Append(')').ToString();
    }

    // ---- errors --------------------------------------------------------------------------------

    public override StorageError? Classify(DbException exception)
    {
        if (exception is SqliteException { SqliteErrorCode: SqliteError } missing && missing.Message.Contains("no such table", StringComparison.Ordinal))
        {
            return new StorageError(StorageErrorKind.NotMigrated, Message: missing.Message);
        }

        if (exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked })
        {
            // The busy handler already waited up to the command timeout.
            return new StorageError(StorageErrorKind.Busy);
        }

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
                var columns = failed.Split(", ");
                return new StorageError(
                    StorageErrorKind.Duplicate,
                    Table: columns[0].Split('.')[0],
                    Columns: [.. columns.Select(c => c[(c.IndexOf('.') + 1)..])]);
            case ConstraintForeignKey:
                return new StorageError(StorageErrorKind.MissingReference);
            case ConstraintCheck:
            case ConstraintTrigger:
                // A CHECK, or a rule only a trigger can test (RAISE(ABORT) in a BEFORE trigger).
                return new StorageError(StorageErrorKind.InvalidValue, Message: sqlite.Message);
            default:
                return null;
        }
    }

    // ---- the drift check ------------------------------------------------------------------------

    public override Task<IReadOnlyDictionary<string, PhysicalTable>> ReadTablesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ReadCatalogAsync(connection, cancellationToken);

    public override Task<IReadOnlyDictionary<string, PhysicalTable>> ReadPortfolioTableSchemaAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ReadCatalogAsync(connection, cancellationToken);

    // A host's uid column: SQLite's text affinity (a declared type containing CHAR, CLOB or TEXT).
    public override bool FitsUid(string physicalType) =>
        physicalType.Contains("CHAR", StringComparison.OrdinalIgnoreCase) || physicalType.Contains("CLOB", StringComparison.OrdinalIgnoreCase) || physicalType.Contains("TEXT", StringComparison.OrdinalIgnoreCase);

    public override string UidTypeInWords => "TEXT (canonical lower-case uids)";

    // SQLite reports the declared type: the migrations declare uuids, text and JSON as TEXT.
    public override string PhysicalType(ColumnModel column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Kind == ColumnKind.WholeNumber ? "INTEGER" : "TEXT";
    }

    public override bool KeepsForeignKeyNames => false;

    /// <summary>
    /// Reads every table of a SQLite database from its pragmas. Static, so a test can read a database
    /// the library did not open.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadCatalogAsync(DbConnection connection, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var cancellation = CommandCancellation.Use(cancellationToken);
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

    // ---- migrations ----------------------------------------------------------------------------

    public override string UuidColumnType(string column) => $"TEXT CHECK (length({column}) = 36 AND {column} = lower({column}))";

    public override string JsonObjectColumnType(string column) =>
        $"TEXT CHECK ({column} IS NULL OR CASE WHEN json_valid({column}) THEN json_type({column}) = 'object' ELSE 0 END)";

    public override string JsonColumnType => "TEXT";

    // SQLite's trim removes any of the given characters, multi-byte ones included.
    public override string TrimCharacters(string column, string characters) => $"trim({column}, '{characters}')";

    // GLOB's character class compares code points, so ranges work beyond ASCII.
    public override string HasNoCharacterIn(string column, string bracketRanges) => $"{column} NOT GLOB '*[{bracketRanges}]*'";

    // A version 4 UUID in the canonical lower-case form the uid columns' CHECK asks for.
    public override string RandomUidDefault =>
        "(lower(hex(randomblob(4))) || '-' || lower(hex(randomblob(2))) || '-4' || substr(lower(hex(randomblob(2))), 2) || '-' "
        + "|| substr('89ab', 1 + (abs(random()) % 4), 1) || substr(lower(hex(randomblob(2))), 2) || '-' || lower(hex(randomblob(6))))";

    public override bool CanAddConstraints => false;

    // SQLite keeps no catalog of constraints: named CHECKs are read from each table's CREATE TABLE
    // text; a rule carried by triggers is there when both of its triggers are; a trigger is a rule
    // by its own name too (the membership history's).
    public override async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> ReadRulesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        const string sql = "SELECT tbl_name AS table_name, type AS kind, name, sql FROM sqlite_master WHERE type IN ('table', 'trigger') AND sql IS NOT NULL";
        var rows = await RunAsync(connection, "schema.rules", ErrorContext.Read, c => c.QueryAsync<SqliteRuleRow>(sql), cancellationToken).ConfigureAwait(false);
        var rules = new Dictionary<string, IReadOnlySet<string>>(StringComparer.Ordinal);
        foreach (var table in rows.GroupBy(r => r.TableName, StringComparer.Ordinal))
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var row in table.Where(r => r.Kind == "table"))
            {
                names.UnionWith(NamedCheck().Matches(row.Sql).Select(m => m.Groups[1].Value));
            }

            var triggers = table.Where(r => r.Kind == "trigger").Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            names.UnionWith(triggers);
            names.UnionWith(triggers
                .Where(t => t.EndsWith(SchemaModel.RuleTriggerSuffixes[0], StringComparison.Ordinal))
                .Select(t => t[..^SchemaModel.RuleTriggerSuffixes[0].Length])
                .Where(rule => SchemaModel.RuleTriggerSuffixes.All(suffix => triggers.Contains(rule + suffix))));
            rules[table.Key] = names;
        }

        return rules;
    }

    [GeneratedRegex("CONSTRAINT\\s+\"?([A-Za-z0-9_]+)\"?\\s+CHECK", RegexOptions.IgnoreCase)]
    private static partial Regex NamedCheck();

    // GLOB matches the whole text, so the pattern fixes the length, the dashes and lower-case hex.
    public override string? UuidShapeRule(string column)
    {
        static string Hex(int count) => string.Concat(Enumerable.Repeat("[0-9a-f]", count));
        return $"{column} GLOB '{Hex(8)}-{Hex(4)}-{Hex(4)}-{Hex(4)}-{Hex(12)}'";
    }

    // json_tree names each node by its full path ($.a[0]."b.c"), made of one segment per level:
    // an object or array nests `depth` + 1 levels deep when `depth` other objects and arrays lead
    // to it, each one a whole-segment prefix of its path. Cheap tests first: a text with at most
    // `depth` opening brackets (strings included) cannot nest deeper, which settles nearly every
    // row without parsing it (50,000 upserted groups with metadata: 1.8 times the time without the
    // rule when every row was parsed); a path with fewer dots and brackets than `depth` has fewer
    // segments, so the count runs only on deep paths.
    public override string JsonDeeperThan(string column, int depth) =>
        $"length({column}) - length(replace(replace({column}, '{{', ''), '[', '')) > {depth} "
        + $"AND EXISTS (SELECT 1 FROM json_tree({column}) n WHERE n.type IN ('object', 'array') "
        + $"AND length(n.fullkey) - length(replace(replace(n.fullkey, '.', ''), '[', '')) >= {depth} "
        + $"AND (SELECT count(*) FROM json_tree({column}) a WHERE a.type IN ('object', 'array') "
        + "AND length(a.fullkey) < length(n.fullkey) AND substr(n.fullkey, 1, length(a.fullkey)) = a.fullkey "
        + $"AND substr(n.fullkey, length(a.fullkey) + 1, 1) IN ('.', '[')) >= {depth})";

    // FluentMigrator finds the driver's factory by name, through reflection: kept for trimmed and
    // NativeAOT hosts, where it would otherwise be removed.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields, typeof(SqliteFactory))]
    public override void ConfigureMigrationRunner(IMigrationRunnerBuilder runner, DbConnection connection)
    {
        runner.AddSQLite().WithGlobalConnectionString(_connectionString);
        runner.Services.AddScoped<SQLiteProcessor>(services => ActivatorUtilities.CreateInstance<SqliteProcessorOnConnection>(services, connection, new SQLiteQuoter()));
    }

    /// <summary>
    /// Serializes migrators across processes, as PostgreSQL's advisory lock does: an exclusive lock
    /// on a file beside the database (<see cref="MigrationLockSuffix"/>), waited for up to the
    /// command timeout; a shared in-memory database, which only this process sees, takes an
    /// in-process lock. Then turns foreign keys off on the migrator's connection (outside any
    /// transaction, where SQLite allows it): a migration that rebuilds a table drops the old one,
    /// and with foreign keys on that drop would cascade into the rows that point at it.
    /// </summary>
    public override async Task BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var held = await AcquireMigrationLockAsync(cancellationToken).ConfigureAwait(false);
        _heldMigrationLocks[connection] = held;
        await RunAsync(connection, "migrate.lock", ErrorContext.Read, c => c.ExecuteAsync("PRAGMA foreign_keys = OFF"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checks that every foreign key still holds, turns foreign keys back on, and releases the lock.</summary>
    public override async Task EndMigrationAsync(DbConnection connection)
    {
        try
        {
            await RunAsync(connection, "migrate.unlock", ErrorContext.Read, c => c.ExecuteAsync("PRAGMA foreign_keys = ON"), CancellationToken.None).ConfigureAwait(false);
            var broken = await RunAsync(connection, "migrate.foreign_key_check", ErrorContext.Read, c => c.QueryAsync<string>("SELECT \"table\" FROM pragma_foreign_key_check"), CancellationToken.None).ConfigureAwait(false);
            if (broken.FirstOrDefault() is { } table)
            {
                throw new PortfolioGroupsException($"After migrating, rows of '{table}' point at rows that do not exist (PRAGMA foreign_key_check).");
            }
        }
        finally
        {
            if (_heldMigrationLocks.TryRemove(connection, out var held))
            {
                held.Dispose();
            }
        }
    }

    private async Task<IDisposable> AcquireMigrationLockAsync(CancellationToken cancellationToken)
    {
        if (_migrationLockPath is null)
        {
            var semaphore = s_memoryMigrationLocks.GetOrAdd(_memoryName, _ => new SemaphoreSlim(1, 1));
            if (!await semaphore.WaitAsync(_lockTimeout, cancellationToken).ConfigureAwait(false))
            {
                throw MigrationLockTimeout();
            }

            return new Releaser(semaphore);
        }

        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock on the open file (flock on Unix, a share
                // mode on Windows), released when the stream is disposed or the process dies.
                // The file stays: deleting it would let a waiter lock an unlinked file.
                return new FileStream(_migrationLockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException) when (waited.Elapsed < _lockTimeout)
            {
                await Task.Delay(20, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                throw MigrationLockTimeout(ex);
            }
        }
    }

    private PortfolioGroupsException MigrationLockTimeout(Exception? inner = null) =>
        new($"Another migrator held the migration lock of this SQLite database ({_migrationLockPath ?? _memoryName}) for longer than the command timeout ({_lockTimeout.TotalSeconds:0} s).", inner);

    private sealed class Releaser(SemaphoreSlim semaphore) : IDisposable
    {
        public void Dispose() => semaphore.Release();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync().ConfigureAwait(false);
            _keepAlive = null;
        }

        ClearPool();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _keepAlive?.Dispose();
        _keepAlive = null;
        ClearPool();
        base.Dispose();
    }

    /// <summary>Pooled connections keep the file open; the store's owner expects it released.</summary>
    private void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    /// <summary>
    /// Registers <see cref="ContainsFunction"/> on the physical connection itself, where it stays for
    /// the connection's life: a function registered through <see cref="SqliteConnection.CreateFunction{T1, T2, TResult}(string, Func{T1, T2, TResult}, bool)"/>
    /// belongs to that <see cref="SqliteConnection"/> and is removed when it goes back to the pool.
    /// </summary>
    private static void RegisterContains(SqliteConnection connection)
    {
        var rc = SQLitePCL.raw.sqlite3_create_function(
            connection.Handle, ContainsFunction, 2, SQLitePCL.raw.SQLITE_UTF8 | SQLitePCL.raw.SQLITE_DETERMINISTIC, null, s_contains);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    private static readonly SQLitePCL.delegate_function_scalar s_contains = ContainsCallback;

    /// <summary><see cref="ContainsIgnoreCase"/> called from SQL: 1 or 0, and 0 when either side is NULL.</summary>
    private static void ContainsCallback(SQLitePCL.sqlite3_context context, object userData, SQLitePCL.sqlite3_value[] args)
    {
        var found = ContainsIgnoreCase(Text(args[0]), Text(args[1]));
        SQLitePCL.raw.sqlite3_result_int(context, found ? 1 : 0);

        static string? Text(SQLitePCL.sqlite3_value value) =>
            SQLitePCL.raw.sqlite3_value_type(value) == SQLitePCL.raw.SQLITE_NULL ? null : SQLitePCL.raw.sqlite3_value_text(value).utf8_to_string();
    }

    /// <summary>The implementation of <see cref="ContainsFunction"/>: ordinal, case-insensitive, literal.</summary>
    private static bool ContainsIgnoreCase(string? haystack, string? needle) =>
        haystack is not null && needle is not null && haystack.Contains(needle, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// SQLite's connection set-up as a <see cref="DbDataSource"/>: every connection it opens has the
    /// library's search function, SQLite's own busy handler and the store's per-connection settings.
    /// </summary>
    /// <param name="connectionString">The connection string, foreign keys forced on.</param>
    /// <param name="setUpSql">The pragmas run on every new connection; built by the library only.</param>
    /// <param name="lockTimeout">How long the set-up waits for a lock another connection holds (the busy timeout).</param>
    private sealed class SqliteDataSource(string connectionString, string setUpSql, TimeSpan lockTimeout) : DbDataSource
    {
        /// <summary>
        /// The physical connections already set up, each with the set-up text it ran (a store with
        /// other settings on the same pool sets a handle up again). Weak: a handle closed by the
        /// pool goes with its entry.
        /// </summary>
        private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, string> s_setUp = new();

        private long _setUps;

        /// <summary>How many times this data source set a physical connection up (the search function and the pragmas).</summary>
        public long SetUps => Interlocked.Read(ref _setUps);

        [AllowNull]
        public override string ConnectionString { get; } = connectionString;

        protected override DbConnection CreateDbConnection() => new SqliteConnection(ConnectionString);

        /// <remarks>Nothing in the library opens synchronously; SQLite's open is synchronous underneath, so this only blocks on a set-up waiting for a lock.</remarks>
        protected override DbConnection OpenDbConnection() => OpenDbConnectionAsync().AsTask().GetAwaiter().GetResult();

        protected override async ValueTask<DbConnection> OpenDbConnectionAsync(CancellationToken cancellationToken = default)
        {
            var connection = await OpenWaitingForSchemaLockAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (NeedsSetUp(connection))
                {
                    RegisterContains(connection);
                    await RunPragmasAsync(connection, setUpSql, lockTimeout, cancellationToken).ConfigureAwait(false);
                    Interlocked.Increment(ref _setUps);
                    s_setUp.AddOrUpdate(connection.Handle!, setUpSql);
                }

                return connection;
            }
            catch
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        /// <summary>
        /// Opens a connection, waiting up to the lock timeout while a shared-cache database's schema
        /// is locked by another connection changing it: the driver's open runs the connection
        /// string's foreign-keys pragma as a command, whose prepare then fails, at times as an
        /// <see cref="ArgumentOutOfRangeException"/> rather than a wait. An open writes nothing, so
        /// it is tried again.
        /// </summary>
        private async ValueTask<SqliteConnection> OpenWaitingForSchemaLockAsync(CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp(); // a timestamp, not a Stopwatch: nothing allocated on every open
            while (true)
            {
                var connection = new SqliteConnection(ConnectionString);
                try
                {
                    await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
                    return connection;
                }
                catch (ArgumentOutOfRangeException)
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    if (Stopwatch.GetElapsedTime(started) >= lockTimeout)
                    {
                        throw SchemaLocked();
                    }
                }
                catch
                {
                    await connection.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                await Task.Delay(LockPause, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// Whether the physical connection under <paramref name="connection"/> still needs the set-up
        /// (the search function and the pragmas); false when it was already set up so.
        /// </summary>
        /// <remarks>
        /// Microsoft.Data.Sqlite pools physical connections (one <c>sqlite3</c> handle each, for its
        /// whole life), and a function and these pragmas stay on the handle when it goes back to the
        /// pool: the set-up runs once per handle, not once per open. Foreign keys are not part of it:
        /// the driver applies the connection string's <c>Foreign Keys=True</c> on every open itself.
        /// busy_timeout, synchronous and cache_size are per connection, so every new one gets them (a
        /// pooled connection keeps them).
        /// </remarks>
        private bool NeedsSetUp(SqliteConnection connection) =>
            !s_setUp.TryGetValue(connection.Handle!, out var applied) || !string.Equals(applied, setUpSql, StringComparison.Ordinal);
    }

    /// <summary>
    /// Runs a command, waiting up to the lock timeout while a shared-cache database's schema is
    /// locked by another connection changing it (a store migrating). SQLite refuses to prepare a
    /// statement then ("database schema is locked"), which Microsoft.Data.Sqlite does not always
    /// wait out: at times it surfaces as an <see cref="ArgumentOutOfRangeException"/> from the
    /// driver's prepare. The command is tried again only when the connection's last error is that
    /// lock and the command changed no row, so nothing it did runs twice.
    /// </summary>
    protected override async Task<T> RunCommandAsync<T>(DbConnection connection, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        if (connection is not SqliteConnection { Handle: { } handle })
        {
            return await command(connection).ConfigureAwait(false);
        }

        var started = Stopwatch.GetTimestamp(); // a timestamp, not a Stopwatch: nothing allocated on every command
        while (true)
        {
            var changes = SQLitePCL.raw.sqlite3_total_changes(handle);
            try
            {
                return await command(connection).ConfigureAwait(false);
            }
            catch (ArgumentOutOfRangeException) when ((SQLitePCL.raw.sqlite3_errcode(handle) & 0xFF) == SqliteLocked && SQLitePCL.raw.sqlite3_total_changes(handle) == changes)
            {
                if (Stopwatch.GetElapsedTime(started) >= _lockTimeout)
                {
                    throw SchemaLocked();
                }

                await Task.Delay(LockPause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The error when another connection's schema change outlasted the lock timeout (classified as busy).</summary>
    private static SqliteException SchemaLocked() =>
        new("database schema is locked: another connection kept changing the schema for longer than the lock timeout", SqliteLocked);

    /// <summary>The pause between tries of pragmas another connection's lock holds back.</summary>
    private static readonly TimeSpan LockPause = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Runs pragmas the library built on an open connection, waiting up to <paramref name="lockTimeout"/>
    /// while another connection's lock holds them back.
    /// </summary>
    /// <remarks>
    /// The pragmas run through <c>sqlite3_exec</c>, not a command: in a shared-cache database (the
    /// in-memory kind) a statement prepared while another connection changes the schema (a store
    /// migrating) fails with "database schema is locked", which a command of Microsoft.Data.Sqlite
    /// surfaces as an <see cref="ArgumentOutOfRangeException"/> instead of a <see cref="SqliteException"/>;
    /// the busy handler does not wait for that lock. The result code is waited on here instead, as the
    /// driver does for its own foreign-keys pragma on open. PRAGMA takes no parameters: the text holds
    /// only keywords and integers the library computed.
    /// </remarks>
    /// <exception cref="SqliteException">The pragmas failed, or the lock outlasted the timeout.</exception>
    internal static async ValueTask RunPragmasAsync(SqliteConnection connection, string pragmas, TimeSpan lockTimeout, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp(); // a timestamp, not a Stopwatch: nothing allocated on every open
        int result;
        while (((result = SQLitePCL.raw.sqlite3_exec(connection.Handle, pragmas)) & 0xFF) is (SqliteBusy or SqliteLocked) && Stopwatch.GetElapsedTime(started) < lockTimeout)
        {
            await Task.Delay(LockPause, cancellationToken).ConfigureAwait(false);
        }

        if (result != 0)
        {
            SqliteException.ThrowExceptionForRC(result, connection.Handle);
        }
    }

    /// <summary>
    /// FluentMigrator's SQLite processor, running on the store's connection (set up like every other,
    /// and holding the migration lock) instead of opening its own.
    /// </summary>
    private sealed class SqliteProcessorOnConnection : SQLiteProcessor
    {
        public SqliteProcessorOnConnection(
            DbConnection connection,
            SQLiteDbFactory factory,
            SQLiteGenerator generator,
            ILogger<SQLiteProcessor> logger,
            IOptionsSnapshot<ProcessorOptions> options,
            IConnectionStringAccessor connectionStringAccessor,
            IServiceProvider serviceProvider,
            SQLiteQuoter quoter)
            : base(factory, generator, logger, options, connectionStringAccessor, serviceProvider, quoter)
        {
            Connection = connection;
        }

        // The connection is the store's: FluentMigrator must not close it.
        protected override void EnsureConnectionIsClosed()
        {
        }

        // The base would dispose the store's connection; only an unfinished transaction is FluentMigrator's.
    #pragma warning disable CA2215 // Dispose methods should call base class dispose: the base disposes a connection it does not own here.
        protected override void Dispose(bool isDisposing)
    #pragma warning restore CA2215
        {
            if (isDisposing)
            {
                RollbackTransaction();
            }
        }
    }
}

/// <summary>A row of sqlite_master read for the drift check's rules.</summary>
internal sealed record SqliteRuleRow(string TableName, string Kind, string Name, string Sql);

[JsonSerializable(typeof(IEnumerable<string>))]
internal sealed partial class SqliteJson : JsonSerializerContext;

/// <summary>Rows of SQLite's pragmas read for the drift check (top-level, so the generated Dapper code may name them).</summary>
internal sealed record SqliteColumnRow(string Name, string Type, long NotNull, long Pk);

internal sealed record SqliteForeignKeyRow(string ColumnName, string PrincipalTable, string PrincipalColumn, string OnDelete);

internal sealed record SqliteIndexRow(string IndexName, long IsUnique, string ColumnName);
