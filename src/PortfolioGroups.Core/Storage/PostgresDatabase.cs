using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using FluentMigrator.Runner;
using FluentMigrator.Runner.Generators.Postgres;
using FluentMigrator.Runner.Initialization;
using FluentMigrator.Runner.Processors;
using FluentMigrator.Runner.Processors.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>
/// Everything PostgreSQL: the data source, the schema, native uuid and arrays, jsonb, ILIKE search,
/// SQLSTATE codes, and the migration target with what only PostgreSQL has (the advisory lock that
/// serializes migrators, <c>CREATE SCHEMA</c>, <c>COMMENT ON</c>).
/// </summary>
internal sealed partial class PostgresDatabase : Database
{
    // SQLSTATE codes, from the PostgreSQL manual's appendix A.
    private const string UniqueViolation = "23505";
    private const string ForeignKeyViolation = "23503";
    private const string CheckViolation = "23514";
    private const string StringDataRightTruncation = "22001";
    private const string InvalidTextRepresentation = "22P02";
    private const string CharacterNotInRepertoire = "22021";
    private const string UntranslatableCharacter = "22P05";
    private const string UndefinedTable = "42P01";
    private const string InvalidCatalogName = "3D000";
    private const string InvalidSchemaName = "3F000";
    private const string InvalidPassword = "28P01";
    private const string InvalidAuthorization = "28000";
    private const string InsufficientPrivilege = "42501";
    private const string AdminShutdown = "57P01";
    private const string CrashShutdown = "57P02";
    private const string CannotConnectNow = "57P03";
    private const string SerializationFailure = "40001";
    private const string DeadlockDetected = "40P01";
    private const string LockNotAvailable = "55P03";
    private const string QueryCanceled = "57014";

    // First key of the two-key advisory lock: "PGrp". The second is the schema's hash.
    private const int AdvisoryLockClass = 0x50477270;

    private readonly string _connectionString;
    private readonly NpgsqlDataSource _npgsqlDataSource;

    // Over several hosts: the primary, for writes, transactions and migrations (null over one host).
    private readonly NpgsqlDataSource? _primary;

    // Reads outside a transaction, when they go to standbys (PostgresReadTarget.PreferStandby); shared by bound copies.
    private readonly StandbyReads? _standbyReads;

    private PostgresDatabase(NpgsqlDataSource dataSource, bool ownsDataSource, string schema, PortfolioStoreOptions options)
        : base(dataSource, ownsDataSource, schema)
    {
        _npgsqlDataSource = dataSource;
        // Without the password (Npgsql leaves it out): used only to satisfy FluentMigrator.
        _connectionString = dataSource.ConnectionString;
        if (dataSource is NpgsqlMultiHostDataSource hosts)
        {
            _primary = hosts.WithTargetSession(TargetSessionAttributes.Primary);
            if (options.PostgresReads == PostgresReadTarget.PreferStandby)
            {
                _standbyReads = new StandbyReads(hosts.WithTargetSession(TargetSessionAttributes.PreferStandby), options.ReadYourWrites ?? true, options.ReplicaWaitTimeout);
            }
        }
    }

    public override DatabaseKind Kind => DatabaseKind.Postgres;

    protected override string DbSystem => "postgresql";

    /// <summary>Builds a data source from a connection string; the database owns it.</summary>
    /// <exception cref="InvalidValueException">The connection string or the schema name is invalid.</exception>
    public static PostgresDatabase Create(string connectionString, PortfolioStoreOptions options)
    {
        var schema = CheckSchema(options.PostgresSchema);
        NpgsqlDataSource dataSource;
        bool resetsSessions;
        try
        {
            var builder = new NpgsqlDataSourceBuilder(connectionString);
            resetsSessions = SkipPoolReset(builder, connectionString);
            SetSessionDefaults(builder);
            dataSource = builder.Build();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidValueException(nameof(connectionString), ex.Message);
        }

        // Several hosts in the string make a multi-host data source, routed like one passed in.
        return new PostgresDatabase(dataSource, ownsDataSource: true, schema, options) { _resetsSessions = resetsSessions };
    }

    /// <summary>
    /// Starts every session with <c>jit</c> off and without parallel plans
    /// (<c>Options=-c jit=off -c max_parallel_workers_per_gather=0</c>, added to what the connection
    /// string's <c>Options</c> hold), each unless they already set it. The library's statements are
    /// short reads of a page and indexed writes, and both features cost more than such a statement:
    /// <list type="bullet">
    /// <item>A key set makes the planner's cost large: it takes <c>unnest</c> of 40,000 uids joined to
    /// a table of 1,000 rows to match 40,000 of them, and a count per found group then costs past
    /// <c>jit_above_cost</c>, so the statement was compiled before it ran (a bulk-delete preflight
    /// took 70 ms, against 17 ms).</item>
    /// <item>A page of the portfolios in two groups of 10,000 members was planned in parallel (a
    /// Gather Merge of two workers, on an underestimate of the rows), and starting the workers took
    /// longer than the whole serial plan (102 ms, against 14.5 ms).</item>
    /// </list>
    /// <c>RESET ALL</c> (the session reset) keeps a setting the session started with.
    /// </summary>
    private static void SetSessionDefaults(NpgsqlDataSourceBuilder builder)
    {
        var settings = builder.ConnectionStringBuilder;
        foreach (var (name, value) in SessionDefaults)
        {
            // "name=": a neighbour such as jit_above_cost does not set the setting itself.
            if (settings.Options is { } options && options.Contains(name + "=", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            settings.Options = string.IsNullOrWhiteSpace(settings.Options) ? $"-c {name}={value}" : $"{settings.Options} -c {name}={value}";
        }
    }

    /// <summary>The settings every session of a data source the library builds starts with (<see cref="SetSessionDefaults"/>).</summary>
    private static readonly (string Name, string Value)[] SessionDefaults = [("jit", "off"), ("max_parallel_workers_per_gather", "0")];

    /// <summary>
    /// Turns off the reset Npgsql sends when a pooled connection is reused (<c>No Reset On Close</c>),
    /// unless the connection string sets it either way or has no pool to reuse from. That reset is
    /// <c>DISCARD ALL</c>, which also drops the session's cached plans, the database triggers'
    /// (the membership history's) among them, so every call would plan them again. The library
    /// leaves no session state behind: it sets no session settings (the few it wants are set when the
    /// session starts, see <see cref="SetSessionDefaults"/>), its temporary tables are dropped
    /// with their transaction, and the advisory lock of a migration is released by
    /// <see cref="EndMigrationAsync"/>, which also resets the session. A connection a host can run
    /// its own commands on (a store transaction whose <c>DbTransaction</c> it asked for) is reset by
    /// <see cref="ResetSessionAsync"/> before it goes back to the pool.
    /// </summary>
    /// <returns>True when the reset was turned off, so the library resets where a host may have left state.</returns>
    private static bool SkipPoolReset(NpgsqlDataSourceBuilder builder, string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var settings = builder.ConnectionStringBuilder;
        if (given.ContainsKey("No Reset On Close") || given.ContainsKey("NoResetOnClose") || !settings.Pooling || settings.Multiplexing)
        {
            return false;
        }

        settings.NoResetOnClose = true;
        return true;
    }

    /// <summary>
    /// What <c>DISCARD ALL</c> resets but the cached plans and the prepared statements (which Npgsql
    /// keeps track of): the commands Npgsql itself resets a pooled connection with when it holds
    /// prepared statements.
    /// </summary>
    internal const string SessionResetSql =
        "SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; SELECT pg_advisory_unlock_all(); DISCARD SEQUENCES; DISCARD TEMP";

    // True when this database turned Npgsql's reset of pooled connections off (SkipPoolReset).
    private bool _resetsSessions;

    /// <summary>
    /// Resets the session of a connection a host may have run its own commands on, when the
    /// library turned Npgsql's reset off (<see cref="SkipPoolReset"/>); otherwise Npgsql resets it
    /// on reuse. A connection lost meanwhile is not reused, so a failure here is ignored.
    /// </summary>
    public override async Task ResetSessionAsync(DbConnection connection)
    {
        if (!_resetsSessions || connection.State != System.Data.ConnectionState.Open)
        {
            return;
        }

        // A command of its own, in no transaction: the store transaction that used the connection has ended.
        var command = connection.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = SessionResetSql;
            try
            {
                await command.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (DbException)
            {
                // The connection was lost (Npgsql does not pool a broken connection), or the server refused.
            }
        }
    }

    /// <summary>Uses the caller's data source (one host, or several), which the caller keeps owning.</summary>
    /// <exception cref="InvalidValueException">The schema name is invalid.</exception>
    public static PostgresDatabase Over(NpgsqlDataSource dataSource, PortfolioStoreOptions options) =>
        new(dataSource, ownsDataSource: false, CheckSchema(options.PostgresSchema), options);

    // ---- several hosts: writes on the primary, reads on a standby ------------------------------

    /// <summary>
    /// Over several hosts, a write (and a transaction, a migration) opens on the primary, and a read
    /// on a standby when reads go there, after waiting for the store's own writes to be replayed
    /// (<see cref="OpenForReadAsync"/>). Over one host, the data source decides.
    /// </summary>
    protected override async ValueTask<DbConnection> OpenAsync(ConnectionIntent intent, CancellationToken cancellationToken)
    {
        if (_primary is null)
        {
            return await base.OpenAsync(intent, cancellationToken).ConfigureAwait(false);
        }

        return intent == ConnectionIntent.Read && _standbyReads is { } reads
            ? await OpenForReadAsync(reads, cancellationToken).ConfigureAwait(false)
            : await OpenOnAsync(_primary, wantsPrimary: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens a connection from one of the multi-host data source's views. Npgsql says only that no
    /// host fit ("No suitable host was found", with no cause) when every host it knows of is of
    /// the other kind or was recently found down: that becomes an error the library classifies.
    /// </summary>
    private static async ValueTask<DbConnection> OpenOnAsync(NpgsqlDataSource target, bool wantsPrimary, CancellationToken cancellationToken)
    {
        try
        {
            return await target.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (NpgsqlException ex) when (ex is not PostgresException && ex.InnerException is null && !ex.IsTransient)
        {
            throw new NoSuitableHostException(
                wantsPrimary
                    ? $"{ex.Message} No host is a primary server: those that answered are standbys, or were found down within the data source's Host Recheck Seconds"
                    : $"{ex.Message} Every host was found down within the data source's Host Recheck Seconds",
                wantsPrimary,
                ex);
        }
    }

    /// <summary>
    /// A connection for a read: on a standby when one is up (else the primary). With read-your-writes,
    /// before the read the standby must have replayed the primary's log as far as this store's last
    /// committed write; it is asked (polling, a few milliseconds apart) until it has, up to the wait
    /// timeout, and then the read opens on the primary instead.
    /// </summary>
    private async ValueTask<DbConnection> OpenForReadAsync(StandbyReads reads, CancellationToken cancellationToken)
    {
        await reads.ResolveUnknownPositionAsync(this, cancellationToken).ConfigureAwait(false);
        var connection = (NpgsqlConnection)await OpenOnAsync(reads.Standby, wantsPrimary: false, cancellationToken).ConfigureAwait(false);
        try
        {
            // PostgreSQL 14 and later report in_hot_standby with every session (and again when a
            // standby is promoted); without it, the query below answers for a primary as well.
            var maybeStandby = !connection.PostgresParameters.TryGetValue("in_hot_standby", out var hotStandby) || hotStandby == "on";
            var required = reads.RequiredPosition;
            if (!maybeStandby || !reads.ReadYourWrites || required == 0 || reads.IsConfirmed(connection, required))
            {
                StoreMetrics.ReplicaRead(DbSystem, onStandby: maybeStandby);
                return connection;
            }

            var deadline = Stopwatch.GetTimestamp() + (long)(reads.WaitTimeout.TotalSeconds * Stopwatch.Frequency);
            var pause = TimeSpan.FromMilliseconds(1);
            while (true)
            {
                var (caughtUp, inRecovery) = await ReplayedAsync(connection, required, cancellationToken).ConfigureAwait(false);
                if (caughtUp)
                {
                    reads.Confirm(connection, required);
                    if (inRecovery)
                    {
                        StoreMetrics.ReplicaWait(DbSystem, caughtUp: true);
                    }

                    StoreMetrics.ReplicaRead(DbSystem, onStandby: inRecovery);
                    return connection;
                }

                var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                await Task.Delay(left < pause ? left : pause, cancellationToken).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromMilliseconds(10).Ticks));
            }
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // The standby stayed behind: read from the primary, which has every committed write.
        await connection.DisposeAsync().ConfigureAwait(false);
        StoreMetrics.ReplicaWait(DbSystem, caughtUp: false);
        StoreMetrics.ReplicaRead(DbSystem, onStandby: false);
        return await OpenOnAsync(_primary!, wantsPrimary: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One round trip: whether the server has replayed up to <paramref name="position"/> (a primary always has), and whether it is a standby.</summary>
    private Task<(bool CaughtUp, bool InRecovery)> ReplayedAsync(NpgsqlConnection connection, ulong position, CancellationToken cancellationToken) =>
        RunAsync(
            connection,
            "replica.replayed",
            ErrorContext.Read,
            async c =>
            {
                var command = new NpgsqlCommand(
                    "SELECT pg_is_in_recovery(), NOT pg_is_in_recovery() OR COALESCE(pg_last_wal_replay_lsn() - '0/0' >= @position, false)", (NpgsqlConnection)c);
                await using (command.ConfigureAwait(false))
                {
                    // Log positions travel as byte offsets (pg_lsn minus 0/0), a plain bigint.
                    command.Parameters.Add(new NpgsqlParameter<long>("position", (long)position));
                    var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        return (reader.GetBoolean(1), reader.GetBoolean(0));
                    }
                }
            },
            cancellationToken);

    /// <summary>The primary's current log position, on <paramref name="connection"/> (just after a commit on it).</summary>
    private Task<ulong> CurrentPositionAsync(DbConnection connection, CancellationToken cancellationToken) =>
        RunAsync(
            connection,
            "replica.position",
            ErrorContext.Read,
            async c =>
            {
                var command = new NpgsqlCommand("SELECT CAST(pg_current_wal_lsn() - '0/0' AS bigint)", (NpgsqlConnection)c);
                await using (command.ConfigureAwait(false))
                {
                    var position = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    return (ulong)(long)position!;
                }
            },
            cancellationToken);

    /// <summary>
    /// Records the primary's log position after a committed write, on the write's connection,
    /// when reads wait for standbys to replay this store's writes. A failure here (the connection
    /// lost just after the commit) leaves the position unknown: the next read asks the primary.
    /// </summary>
    public override async Task NoteCommittedAsync(DbConnection connection)
    {
        if (_standbyReads is not { ReadYourWrites: true } reads)
        {
            return;
        }

        try
        {
            reads.Raise(await CurrentPositionAsync(connection, CancellationToken.None).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is PortfolioGroupsException or DbException or InvalidOperationException)
        {
            reads.PositionUnknown = true;
        }
    }

    /// <summary>
    /// What a store that reads from standbys keeps: the standby view of the data source, and for
    /// read-your-writes the highest log position its writes committed at and, per standby, the
    /// highest position that standby is known to have replayed (a replayed position only grows).
    /// Per store instance: another store or process knows nothing of it.
    /// </summary>
    private sealed class StandbyReads(NpgsqlDataSource standby, bool readYourWrites, TimeSpan waitTimeout)
    {
        private readonly ConcurrentDictionary<string, ulong> _replayed = new(StringComparer.Ordinal);
        private long _required;

        public NpgsqlDataSource Standby { get; } = standby;

        public bool ReadYourWrites { get; } = readYourWrites;

        public TimeSpan WaitTimeout { get; } = waitTimeout;

        /// <summary>Set when a write committed but its position could not be read; the next read asks the primary.</summary>
        public volatile bool PositionUnknown;

        public ulong RequiredPosition => (ulong)Interlocked.Read(ref _required);

        public void Raise(ulong position)
        {
            var current = Interlocked.Read(ref _required);
            while ((ulong)current < position)
            {
                var seen = Interlocked.CompareExchange(ref _required, (long)position, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }

        public bool IsConfirmed(NpgsqlConnection connection, ulong position) =>
            _replayed.TryGetValue(HostOf(connection), out var replayed) && replayed >= position;

        public void Confirm(NpgsqlConnection connection, ulong position) =>
            _replayed.AddOrUpdate(HostOf(connection), position, (_, known) => Math.Max(known, position));

        public async Task ResolveUnknownPositionAsync(PostgresDatabase database, CancellationToken cancellationToken)
        {
            if (!PositionUnknown)
            {
                return;
            }

            try
            {
                var primary = await OpenOnAsync(database._primary!, wantsPrimary: true, cancellationToken).ConfigureAwait(false);
                await using (primary.ConfigureAwait(false))
                {
                    Raise(await database.CurrentPositionAsync(primary, cancellationToken).ConfigureAwait(false));
                    PositionUnknown = false;
                }
            }
            catch (Exception ex) when (ex is PortfolioGroupsException or DbException)
            {
                // No primary to ask: the read goes to the standby as it is.
            }
        }

        private static string HostOf(NpgsqlConnection connection) => connection.Host + ":" + connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>No host of a multi-host data source fit the session asked for (<see cref="OpenOnAsync"/>).</summary>
    private sealed class NoSuitableHostException(string message, bool wantedPrimary, NpgsqlException innerException) : DbException(message, innerException)
    {
        public bool WantedPrimary { get; } = wantedPrimary;
    }

    // ---- a host's transaction ------------------------------------------------------------------

    // A failed statement aborts a PostgreSQL transaction: each write of a bound store runs behind a savepoint.
    public override bool FailedStatementAbortsTransaction => true;

    public override void PrepareJoin(DbTransaction transaction)
    {
        if (transaction.Connection is not NpgsqlConnection connection)
        {
            throw new InvalidOperationException(
                $"The transaction is a {transaction.GetType().Name} on {transaction.Connection?.GetType().Name ?? "no connection"}, but this store is on PostgreSQL: join an Npgsql transaction on the store's database.");
        }

        var database = new NpgsqlConnectionStringBuilder(_connectionString).Database;
        if (database is not null && !string.Equals(connection.Database, database, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"The transaction is on the PostgreSQL database '{connection.Database}', but this store is on '{database}': join a transaction on the store's database.");
        }
    }

    // ---- SQL fragments -------------------------------------------------------------------------

    public override string VersionTableExists =>
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = @schema AND table_name = @table";

    public override object Uid(Guid value) => value;

    // A native uuid column always holds a uuid.
    public override Guid ReadUid(DbDataReader reader, int column) => reader.GetGuid(column);

    // Arrays travel as one parameter, so a set of any size is one statement (no 65,535 limit).
    public override object UidSet(IReadOnlyCollection<Guid> values) => values as Guid[] ?? [.. values];

    public override object TextSet(IReadOnlyCollection<string> values) => values as string[] ?? [.. values];

    // Arrays count from 1. The planner folds the element of a parameter to a constant, so each
    // comparison plans like the hand-written `= @a`.
    public override string SetElement(string parameter, int index) => $"({parameter})[{index + 1}]";

    // A join leaves the plan to the planner, which estimates unnest's rows from the array without
    // estimating each element (0.3 ms planning for 40,000 uids, against 17 ms for `= ANY(@array)`):
    // a hash join on a small table, a hash or nested loop join on a large one. unnest sits in a
    // select list, not in FROM: a function in FROM copies its 40,000 rows into a tuplestore before
    // the join reads the first one (2.6-4.5 ms), a select list hands each on as it comes (1.8 ms).
    public override string KeyRows(string parameter, string alias) => $"(SELECT unnest({parameter}) AS value) AS {alias}";

    public override string DeleteJoined(string table, string rows, bool returnUids = false) =>
        $"DELETE FROM {table} AS d USING {rows} AS n WHERE d.uid = n.uid" + (returnUids ? " RETURNING d.uid" : "");

    public override string KeepSubquery => " OFFSET 0";

    public override string PageLimit(string parameter) => $"(SELECT {parameter})";

    // The most common values of portfolio_group_uid and their frequencies, per value.
    public override bool EstimatesEachValue => true;


    public override string JsonValue(string parameter) => $"CAST({parameter} AS jsonb)";

    public override string Contains(string column, string parameter) => $"{column} ILIKE {parameter} ESCAPE '\\'";

    // COLLATE "C": by code point, as SQLite compares, whatever the database's default collation.
    public override string SortText(string column) => $"lower({column}) COLLATE \"C\"";

    public override string UidText(string column) => $"CAST({column} AS text)";

    public override string InstantParameter(string parameter) => $"CAST({parameter} AS timestamptz)";

    public override string InstantValue(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.ffffff", System.Globalization.CultureInfo.InvariantCulture) + "+00";

    public override string SearchValue(string text) =>
        "%" + text.Replace("\\", "\\\\", StringComparison.Ordinal)
                  .Replace("%", "\\%", StringComparison.Ordinal)
                  .Replace("_", "\\_", StringComparison.Ordinal) + "%";

    public override string JsonRows(string parameter, IReadOnlyList<ColumnModel> columns)
    {
        var select = new StringBuilder("SELECT ");
        select.AppendJoin(", ", columns.Select(c => "r." + c.Name));
        select.Append(" FROM jsonb_to_recordset(CAST(").Append(parameter).Append(" AS jsonb)) AS r(");
        select.AppendJoin(", ", columns.Select(c => $"{c.Name} {RecordType(c.Kind)}"));
        return select.Append(')').ToString();

        static string RecordType(ColumnKind kind) => kind switch
        {
            ColumnKind.Uuid => "uuid",
            ColumnKind.Json => "jsonb",
            ColumnKind.WholeNumber => "bigint",
            _ => "text",
        };
    }

    // ---- bulk writes ---------------------------------------------------------------------------

    // Binary COPY streams rows without per-row statements or parameter limits; a batch this size
    // keeps one command's buffers small while its round trip is a sliver of its time.
    public override int BulkBatchSize => 50_000;

    // NO KEY UPDATE: excludes other SetPortfolios calls and deletes of the row, not the FOR KEY
    // SHARE locks that foreign-key checks of concurrent membership inserts take.
    public override string LockForUpdate => " FOR NO KEY UPDATE";

    // KEY SHARE: what a foreign-key check takes; it holds off deletes only, not other adds or updates.
    public override string LockAgainstDelete => " FOR KEY SHARE";

    public override string TempTableName(TempTable table) => "pg_temp." + Quote(table.Name);

    public override string CreateTempTable(TempTable table) =>
        $"CREATE TEMP TABLE {Quote(table.Name)} ({table.Definition(TempType)}) ON COMMIT DROP";

    public override string? AnalyzeTempTable(TempTable table) => $"ANALYZE {TempTableName(table)}";

    // ON COMMIT DROP, and a rollback removes it too.
    public override string? DropTempTable(TempTable table) => null;

    public override async Task<int> CopyRowsAsync(DbConnection connection, DbTransaction transaction, TempTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var copy = $"COPY {TempTableName(table)} ({table.ColumnList}) FROM STDIN (FORMAT BINARY)";
        var importer = await ((NpgsqlConnection)connection).BeginBinaryImportAsync(copy, cancellationToken).ConfigureAwait(false);
        await using (importer.ConfigureAwait(false))
        {
            var columns = table.Columns;
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < columns.Count; i++)
                {
                    var value = row[i];
                    var write = value switch
                    {
                        null => importer.WriteNullAsync(cancellationToken),
                        Guid uid => importer.WriteAsync(uid, NpgsqlTypes.NpgsqlDbType.Uuid, cancellationToken),
                        long number => importer.WriteAsync(number, NpgsqlTypes.NpgsqlDbType.Bigint, cancellationToken),
                        string text => importer.WriteAsync(text, NpgsqlTypes.NpgsqlDbType.Text, cancellationToken),
                        _ => throw new InvalidOperationException($"A {value.GetType().Name} cannot be copied into column {columns[i].Name}."),
                    };
                    await write.ConfigureAwait(false);
                }
            }

            // Without Complete, disposing the importer cancels the COPY: nothing of the batch lands.
            return (int)await importer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static string TempType(TempColumnKind kind) => kind switch
    {
        TempColumnKind.Integer => "bigint",
        TempColumnKind.Uuid => "uuid",
        _ => "text",
    };

    // ---- errors --------------------------------------------------------------------------------

    public override StorageError? Classify(DbException exception) => exception switch
    {
        NoSuitableHostException { WantedPrimary: true } => new StorageError(StorageErrorKind.NoPrimary),
        NoSuitableHostException => new StorageError(StorageErrorKind.ConnectionLost),
        PostgresException pg => pg.SqlState switch
        {
            UniqueViolation => new StorageError(StorageErrorKind.Duplicate, Constraint: pg.ConstraintName),
            ForeignKeyViolation => new StorageError(StorageErrorKind.MissingReference, Constraint: pg.ConstraintName),
            UndefinedTable => new StorageError(StorageErrorKind.NotMigrated, Message: pg.MessageText),
            InvalidCatalogName => new StorageError(StorageErrorKind.DatabaseMissing, Message: pg.MessageText),
            InvalidPassword or InvalidAuthorization => new StorageError(StorageErrorKind.AuthenticationFailed, Message: pg.MessageText),
            InvalidSchemaName => new StorageError(StorageErrorKind.SchemaMissing, Message: pg.MessageText),
            CheckViolation or StringDataRightTruncation or InvalidTextRepresentation or CharacterNotInRepertoire or UntranslatableCharacter =>
                new StorageError(StorageErrorKind.InvalidValue, Field: pg.ColumnName ?? pg.ConstraintName, Message: pg.MessageText),

            // Class 08 (connection exception), 57P01-57P03 (the server ended the session or is
            // starting or stopping): the session is gone.
            ['0', '8', ..] or AdminShutdown or CrashShutdown or CannotConnectNow => new StorageError(StorageErrorKind.ConnectionLost),
            SerializationFailure or DeadlockDetected => new StorageError(StorageErrorKind.Conflict),
            // A lock or statement timeout the server enforces (a cancellation the caller's token asked
            // for reaches the caller as OperationCanceledException, never here).
            LockNotAvailable or QueryCanceled => new StorageError(StorageErrorKind.Busy),
            _ => null,
        },

        // No server answer: a timeout (the command's, or waiting for a pooled connection), or the
        // socket failed (the server is gone or unreachable).
        NpgsqlException { InnerException: TimeoutException } => new StorageError(StorageErrorKind.Busy),
        NpgsqlException { IsTransient: true } => new StorageError(StorageErrorKind.ConnectionLost),

        // Several hosts, none reachable: Npgsql gathers each host's failure.
        NpgsqlException { InnerException: AggregateException hosts } when hosts.InnerExceptions.Any(e => e is DbException host && Classify(host) is { Kind: StorageErrorKind.ConnectionLost }) =>
            new StorageError(StorageErrorKind.ConnectionLost),
        _ => null,
    };

    protected override void ForgetIdleConnections() => _npgsqlDataSource.Clear();

    // ---- the drift check ------------------------------------------------------------------------

    public override Task<IReadOnlyDictionary<string, PhysicalTable>> ReadTablesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ReadCatalogAsync(connection, Schema!, cancellationToken);

    public override Task<IReadOnlyDictionary<string, PhysicalTable>> ReadPortfolioTableSchemaAsync(DbConnection connection, CancellationToken cancellationToken) =>
        ReadCatalogAsync(connection, PortfolioTableSchema ?? Schema!, cancellationToken);

    public override bool FitsUid(string physicalType) => string.Equals(physicalType, "uuid", StringComparison.OrdinalIgnoreCase);

    public override string UidTypeInWords => "uuid";

    public override string PhysicalType(ColumnModel column)
    {
        ArgumentNullException.ThrowIfNull(column);
        return column.Kind switch
        {
            ColumnKind.Uuid => "uuid",
            ColumnKind.BoundedText => $"varchar({column.MaxLength})",
            ColumnKind.Text => "text",
            ColumnKind.Json => "jsonb",
            ColumnKind.WholeNumber => "bigint",
            ColumnKind.Instant => "timestamp with time zone",
            _ => throw new ArgumentOutOfRangeException(nameof(column), $"No PostgreSQL type for {column.Kind}."),
        };
    }

    public override bool KeepsForeignKeyNames => true;

    /// <summary>
    /// Reads every table of <paramref name="schema"/> from pg_catalog and information_schema. Static, so a
    /// test can read a database the library did not open.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, PhysicalTable>> ReadCatalogAsync(DbConnection connection, string schema, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(schema);
        using var cancellation = CommandCancellation.Use(cancellationToken);
        var result = new Dictionary<string, PhysicalTable>(StringComparer.Ordinal);
        // A partition is part of its partitioned table, not a table of its own: left out, and counted on its parent.
        var tables = await connection.QueryAsync<PostgresTableRow>(
            "SELECT t.table_name, "
            + "(SELECT count(*) FROM pg_inherits h WHERE h.inhparent = c.oid)::int AS partitions, "
            + "coalesce((SELECT array_to_string(array(SELECT a.attname::text FROM unnest(pt.partattrs::int2[]) WITH ORDINALITY k(attnum, ord) "
            + "JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = k.attnum ORDER BY k.ord), ',') "
            + "FROM pg_partitioned_table pt WHERE pt.partrelid = c.oid AND pt.partstrat = 'h'), '') AS partition_key "
            + "FROM information_schema.tables t "
            + "JOIN pg_namespace n ON n.nspname = t.table_schema JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name "
            + "WHERE t.table_schema = @schema AND t.table_type = 'BASE TABLE' AND NOT c.relispartition ORDER BY t.table_name", new { schema }).ConfigureAwait(false);
        foreach (var (name, partitions, partitionKey) in tables)
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
                [.. indexes.Where(i => !i.IsPrimary).Select(i => new PhysicalIndex(i.IndexName, Split(i.ColumnList), i.IsUnique))])
            {
                Partitions = partitions,
                PartitionKey = partitionKey.Length == 0 ? [] : Split(partitionKey),
            };
        }

        return result;
    }

    private static string[] Split(string columns) => columns.Split(',', StringSplitOptions.RemoveEmptyEntries);

    // ---- migrations ----------------------------------------------------------------------------

    public override string UuidColumnType(string column) => "uuid";

    public override string JsonObjectColumnType(string column) => $"jsonb CHECK (jsonb_typeof({column}) = 'object')";

    public override string JsonColumnType => "jsonb";

    public override string TrimCharacters(string column, string characters) => $"btrim({column}, '{characters}')";

    // A bracket expression of PostgreSQL's regular expressions: ranges by code point.
    public override string HasNoCharacterIn(string column, string bracketRanges) => $"{column} !~ '[{bracketRanges}]'";

    public override string RandomUidDefault => "gen_random_uuid()";

    public override string? UuidShapeRule(string column) => null;

    // `.**{n}` visits the items exactly n levels below the root (the root is level 0), so a JSON
    // nests deeper than `depth` levels when an object or an array sits at level `depth`. Strict
    // mode: lax mode would also unwrap arrays and count their items at the array's own level.
    // jsonb_path_exists is immutable, so it may stand in a CHECK.
    public override string JsonDeeperThan(string column, int depth) =>
        $"jsonb_path_exists({column}, 'strict $.**{{{depth}}} ? (@.type() == \"object\" || @.type() == \"array\")')";

    public override bool CanAddConstraints => true;

    public override async Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> ReadRulesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        const string sql = "SELECT t.relname AS table_name, c.conname AS rule_name FROM pg_constraint c "
                           + "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                           + "WHERE c.contype = 'c' AND n.nspname = @schema "
                           + "UNION ALL SELECT t.relname, g.tgname FROM pg_trigger g "
                           + "JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                           + "WHERE NOT g.tgisinternal AND n.nspname = @schema";
        var rows = await RunAsync(connection, "schema.rules", ErrorContext.Read, c => c.QueryAsync<RuleRow>(sql, new { schema = Schema }), cancellationToken).ConfigureAwait(false);
        return rows.GroupBy(r => r.TableName, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, IReadOnlySet<string> (g) => g.Select(r => r.RuleName).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
    }

    // FluentMigrator finds the driver's factory by name, through reflection: kept for trimmed and
    // NativeAOT hosts, where it would otherwise be removed.
    [DynamicDependency(DynamicallyAccessedMemberTypes.PublicFields, typeof(NpgsqlFactory))]
    public override void ConfigureMigrationRunner(IMigrationRunnerBuilder runner, DbConnection connection)
    {
        // The connection string is FluentMigrator's requirement only: its processor runs on the
        // store's connection and never opens one of its own. No command timeout: a migration may
        // build an index over a large history or copy every membership, and each runs in its own
        // transaction, so one stopped halfway would only have to start again.
        runner.AddPostgres15_0().WithGlobalConnectionString(_connectionString).WithGlobalCommandTimeout(TimeSpan.Zero);
        runner.Services.AddScoped<Postgres15_0Processor>(services => ActivatorUtilities.CreateInstance<ProcessorOnConnection>(services, connection));
    }

    /// <summary>
    /// Takes the session advisory lock that serializes migrators of this schema (held until
    /// <see cref="EndMigrationAsync"/>), then creates the schema: the version table lives in it.
    /// </summary>
    public override async Task BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sql = "SELECT pg_advisory_lock(@lockClass, hashtext(@schema))";
        await RunAsync(connection, "migrate.lock", ErrorContext.Read, c => c.ExecuteAsync(sql, new { lockClass = AdvisoryLockClass, schema = Schema }), cancellationToken).ConfigureAwait(false);
        var create = $"CREATE SCHEMA IF NOT EXISTS {Quote(Schema!)}";
        try
        {
            await RunAsync(connection, "migrate.schema", ErrorContext.Read, c => c.ExecuteAsync(create), cancellationToken).ConfigureAwait(false);
        }
        catch (PostgresException ex) when (ex.SqlState == InsufficientPrivilege)
        {
            // CREATE SCHEMA asks for the right to create schemas even when the schema exists.
            var exists = await RunAsync(
                connection, "migrate.schema_exists", ErrorContext.Read, c => c.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_namespace WHERE nspname = @schema", new { schema = Schema }), cancellationToken)
                .ConfigureAwait(false);
            if (exists == 0)
            {
                throw new StoreOpenException(
                    StoreOpenFailure.SchemaMissing,
                    $"The schema '{Schema}' does not exist, and this role may not create it ({ex.MessageText}): create it as a role that may (CREATE SCHEMA), or correct PostgresSchema.",
                    ex);
            }
        }
    }

    /// <summary>Releases the migrators' advisory lock, and resets whatever else the migration left in the session (<see cref="ResetSessionAsync"/>).</summary>
    public override async Task EndMigrationAsync(DbConnection connection)
    {
        var sql = "SELECT pg_advisory_unlock(@lockClass, hashtext(@schema))";
        try
        {
            await RunAsync(connection, "migrate.unlock", ErrorContext.Read, c => c.ExecuteAsync(sql, new { lockClass = AdvisoryLockClass, schema = Schema }), CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            await ResetSessionAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// <c>COMMENT ON</c> every table and column given, from the model graph: FluentMigrator 8.0.1
    /// writes none for PostgreSQL. COMMENT takes no parameters: the texts are the library's own
    /// constants, quoted here.
    /// </summary>
    public override Task WriteDescriptionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<TableModel> tables, CancellationToken cancellationToken)
    {
        static string Literal(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
        var sql = new StringBuilder();
        foreach (var table in tables)
        {
            var qualified = Quote(Schema!) + "." + Quote(table.PhysicalName);
            sql.Append("COMMENT ON TABLE ").Append(qualified).Append(" IS ").Append(Literal(table.Description)).AppendLine(";");
            foreach (var column in table.Columns)
            {
                sql.Append("COMMENT ON COLUMN ").Append(qualified).Append('.').Append(Quote(column.Name))
                    .Append(" IS ").Append(Literal(column.Description)).AppendLine(";");
            }
        }

        var text = sql.ToString();
        return RunAsync(connection, "catalog.comments", ErrorContext.Read, c => c.ExecuteAsync(text, transaction: transaction), cancellationToken);
    }

    private static string CheckSchema(string? schema)
    {
        if (schema is null || !SchemaName().IsMatch(schema) || schema.StartsWith("pg_", StringComparison.Ordinal) || schema == "information_schema")
        {
            throw new InvalidValueException(
                nameof(PortfolioStoreOptions.PostgresSchema),
                $"'{schema}' is not a plain schema name (lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters, not starting with pg_, not information_schema).");
        }

        return schema;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();

    /// <summary>
    /// FluentMigrator's PostgreSQL processor, running on the store's connection (from the store's data
    /// source, with its credentials) instead of opening its own from a connection string, which
    /// Npgsql gives without the password. The connection stays open for the migrator, which owns it.
    /// </summary>
    private sealed class ProcessorOnConnection : Postgres15_0Processor
    {
        public ProcessorOnConnection(
            DbConnection connection,
            PostgresDbFactory factory,
            Postgres15_0Generator generator,
            ILogger<Postgres15_0Processor> logger,
            IOptionsSnapshot<ProcessorOptions> options,
            IConnectionStringAccessor connectionStringAccessor,
            PostgresOptions pgOptions)
            : base(factory, generator, logger, options, connectionStringAccessor, pgOptions)
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

/// <summary>A named CHECK constraint of a table, read for the drift check's rules.</summary>
internal sealed record RuleRow(string TableName, string RuleName);

/// <summary>Rows of PostgreSQL's catalogs read for the drift check (top-level, so the generated Dapper code may name them).</summary>
internal sealed record PostgresColumnRow(string ColumnName, string Type, string IsNullable);

internal sealed record PostgresForeignKeyRow(string ConstraintName, string ColumnName, string PrincipalTable, string PrincipalColumn, string OnDelete);

internal sealed record PostgresTableRow(string TableName, int Partitions, string PartitionKey);

internal sealed record PostgresIndexRow(string IndexName, bool IsUnique, bool IsPrimary, string ColumnList);
