using System.Data.Common;
using System.Diagnostics;
using Dapper;
using FluentMigrator.Runner;
using PortfolioGroups.Schema;

namespace PortfolioGroups.Storage;

/// <summary>
/// The database a store is open on. This base runs every command: it opens connections from one
/// <see cref="DbDataSource"/>, traces each command as one <see cref="Activity"/>, and hands driver
/// errors to <see cref="ErrorTranslator"/>. Everything that differs between SQLite and PostgreSQL
/// is an abstract member here, implemented once per database by <see cref="SqliteDatabase"/> and
/// <see cref="PostgresDatabase"/>: connection set-up, the SQL fragments that differ, how a driver
/// error is classified, and the migration target. Nothing else asks which database it is.
/// </summary>
/// <remarks>
/// Only identifiers the library owns (table and column names from the model graph, and a schema
/// name validated on open) are ever interpolated into SQL; every value is a parameter.
/// </remarks>
internal abstract class Database : IPhysicalConventions, IAsyncDisposable, IDisposable
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "PortfolioGroups";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly DbDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private TransactionBinding? _binding;

    protected Database(DbDataSource dataSource, bool ownsDataSource, string? schema)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Schema = schema;
        Portfolio = Qualify(SchemaModel.Portfolio.PhysicalName);
        Group = Qualify(SchemaModel.PortfolioGroup.PhysicalName);
        Membership = Qualify(SchemaModel.PortfolioGroupMembership.PhysicalName);
        Catalog = Qualify(SchemaModel.Catalog.PhysicalName);
        MembershipHistory = Qualify(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        GroupDeletions = Qualify(SchemaModel.PortfolioGroupDeletionHistory.PhysicalName);
        HistoryIdentifiers = Qualify(SchemaModel.PortfolioGroupMembershipHistoryIdentifier.PhysicalName);
        VersionTable = Qualify(SchemaModel.VersionTableName);
    }

    public abstract DatabaseKind Kind { get; }

    /// <summary>The transaction every command runs in, for a database bound to one (<see cref="BindTo"/>); null otherwise.</summary>
    public TransactionBinding? Binding => _binding;

    /// <summary>
    /// This database, bound to <paramref name="binding"/>: every command runs on its connection and
    /// in its transaction; a bulk call's transaction becomes a savepoint in it. The copy shares
    /// everything else (the data source, the SQL fragments, the telemetry) and never disposes it.
    /// </summary>
    public Database BindTo(TransactionBinding binding)
    {
        var bound = (Database)MemberwiseClone();
        bound._binding = binding;
        return bound;
    }

    /// <summary>
    /// Opens a connection and begins a transaction on it, for the store's own transaction
    /// (on SQLite <c>BEGIN IMMEDIATE</c>: it waits for another writer's transaction to end).
    /// </summary>
    public async Task<TransactionBinding> BeginBindingAsync(CancellationToken cancellationToken)
    {
        var connection = await OpenForCallAsync(ConnectionIntent.Write, cancellationToken).ConfigureAwait(false);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new TransactionBinding(connection, transaction, joined: false);
        }
        catch (DbException ex) when (Classify(ex) is { } error)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(error, ErrorContext.Read, ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Checks that a host's transaction is one this database can run in (its driver, its database)
    /// and prepares its connection as the library prepares its own where the driver allows it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The transaction is of another driver or database, or its connection cannot serve the library.</exception>
    public abstract void PrepareJoin(DbTransaction transaction);

    /// <summary>
    /// Makes a command Dapper.AOT built run in <paramref name="transaction"/>, though the statement's
    /// call named none (Dapper.AOT sets the command's transaction to the call's after building it).
    /// </summary>
    public virtual DbCommand BindCommand(DbCommand command, DbTransaction transaction)
    {
        // The driver runs a command without a transaction in its connection's current one.
        command.Transaction = transaction;
        return command;
    }

    /// <summary>
    /// True where a failed statement leaves the transaction unusable until it is rolled back to a
    /// savepoint (PostgreSQL): there a write in a bound transaction runs behind a savepoint of its own,
    /// so that a failed call changes nothing and the transaction goes on.
    /// </summary>
    public virtual bool FailedStatementAbortsTransaction => false;

    /// <summary>Metrics and slow-command logging for every command (<c>StoreMetrics.cs</c>); the store sets its own.</summary>
    public CommandTelemetry Telemetry { get; set; } = CommandTelemetry.MetricsOnly;

    /// <summary>The OpenTelemetry <c>db.system.name</c> value, <c>sqlite</c> or <c>postgresql</c>.</summary>
    public string SystemName => DbSystem;

    /// <summary>The schema that holds the tables (PostgreSQL); null on SQLite.</summary>
    public string? Schema { get; }

    /// <summary>
    /// The portfolios as a FROM item: the qualified, quoted name of the library's <c>portfolio</c>
    /// table, or, for a host's table (<see cref="UsePortfolioTable"/>), a derived table that renames
    /// its mapped columns to <c>uid</c>, <c>unique_identifier</c> and <c>display_name</c> (every
    /// statement gives it an alias: PostgreSQL requires one on a subquery).
    /// </summary>
    public string Portfolio { get; private set; }

    /// <summary>Which table holds the portfolios; <see cref="PortfolioTable.Library"/> unless the store maps a host's table.</summary>
    public PortfolioTable PortfolioTable { get; private set; } = PortfolioTable.Library;

    /// <summary>True when the portfolios are the library's own table, which it creates, migrates and writes.</summary>
    public bool OwnsPortfolioTable => PortfolioTable.IsLibrary;

    /// <summary>The schema of the table that holds the portfolios (PostgreSQL); null on SQLite.</summary>
    public string? PortfolioTableSchema => Schema is null ? null : PortfolioTable.Schema ?? Schema;

    /// <summary>The physical name of the table that holds the portfolios.</summary>
    public string PortfolioTableName => PortfolioTable.Table ?? SchemaModel.Portfolio.PhysicalName;

    /// <summary>
    /// Reads the portfolios from <paramref name="table"/> from now on. Called once, while the store
    /// opens, before any statement runs. A schema on SQLite is refused: its foreign keys cannot
    /// reach another database.
    /// </summary>
    /// <exception cref="InvalidValueException">A host's table names a schema on SQLite.</exception>
    public void UsePortfolioTable(PortfolioTable table)
    {
        if (table.Schema is not null && Schema is null)
        {
            throw new InvalidValueException("PortfolioTable.schema", "is PostgreSQL only: on SQLite the host's table must be in the store's own database (pass no schema).");
        }

        PortfolioTable = table;
        if (table.IsLibrary)
        {
            Portfolio = Qualify(SchemaModel.Portfolio.PhysicalName);
            return;
        }

        var displayName = table.DisplayNameColumn is { } column ? Quote(column) : "CAST(NULL AS TEXT)";
        Portfolio = $"(SELECT {Quote(table.UidColumn)} AS uid, {Quote(table.UniqueIdentifierColumn)} AS unique_identifier, {displayName} AS display_name "
                    + $"FROM {QualifiedPortfolioTable})";
    }

    /// <summary>
    /// The hash partitions the membership table has, or gets from its migrations and
    /// <see cref="PortfolioStore.RepartitionMembershipsAsync"/> (<see cref="PortfolioStoreOptions.PostgresMembershipPartitions"/>);
    /// 0 for a plain table. Always 0 on SQLite, which refuses the option when it opens.
    /// </summary>
    public int MembershipPartitions { get; private set; }

    /// <summary>Sets <see cref="MembershipPartitions"/> from the options; called once, while the store opens.</summary>
    public void UseMembershipPartitions(int partitions) => MembershipPartitions = partitions;

    /// <summary>The qualified, quoted name of the table that holds the portfolios (the host's, when mapped).</summary>
    public string QualifiedPortfolioTable =>
        PortfolioTableSchema is { } schema ? Quote(schema) + "." + Quote(PortfolioTableName) : Quote(PortfolioTableName);

    /// <summary>The qualified, quoted name of the <c>portfolio_group</c> table.</summary>
    public string Group { get; }

    /// <summary>The qualified, quoted name of the <c>portfolio_group_membership</c> table.</summary>
    public string Membership { get; }

    /// <summary>The qualified, quoted name of the catalog table.</summary>
    public string Catalog { get; }

    /// <summary>The qualified, quoted name of the membership history table.</summary>
    public string MembershipHistory { get; }

    /// <summary>The qualified, quoted name of the group deletions table (<c>portfolio_group_deletion_history</c>).</summary>
    public string GroupDeletions { get; }

    /// <summary>The qualified, quoted name of the history's identifiers table (<c>portfolio_group_membership_history_identifier</c>).</summary>
    public string HistoryIdentifiers { get; }

    /// <summary>The qualified, quoted name of the library's migration history table.</summary>
    public string VersionTable { get; }

    /// <summary>The OpenTelemetry <c>db.system</c> value.</summary>
    protected abstract string DbSystem { get; }

    // ---- SQL fragments: only what differs between the databases ----------------------------

    /// <summary>A uid as this database's driver wants it.</summary>
    public abstract object Uid(Guid value);

    /// <summary>A set of uids as one parameter value (no per-statement parameter limit).</summary>
    public abstract object UidSet(IReadOnlyCollection<Guid> values);

    /// <summary>A set of strings as one parameter value.</summary>
    public abstract object TextSet(IReadOnlyCollection<string> values);

    /// <summary>
    /// Whether the planner estimates how many rows a value fixed for the statement (such as
    /// <see cref="SetElement"/>) matches from the column's statistics, so a join of a few named
    /// groups can be left to it (PostgreSQL); where not (SQLite), the statement picks the order.
    /// </summary>
    public abstract bool EstimatesEachValue { get; }

    /// <summary>
    /// A FROM item aliased <paramref name="alias"/> with one row per element of the set passed as
    /// <paramref name="parameter"/> (from <see cref="UidSet"/> or <see cref="TextSet"/>), its value
    /// in the column <c>value</c>, for a statement to join its tables to. Joining the set lets the
    /// database look each key up in the table's index; a filter <c>IN (SELECT ... parameter)</c>
    /// first builds a temporary index of the whole set (SQLite), or plans every element (PostgreSQL).
    /// </summary>
    public abstract string KeyRows(string parameter, string alias);

    /// <summary>
    /// A DELETE of the rows of <paramref name="table"/> whose <c>uid</c> is among the uids of
    /// <paramref name="rows"/> (a FROM item with a <c>uid</c> column, each uid once), joined,
    /// optionally returning the deleted uids.
    /// </summary>
    public abstract string DeleteJoined(string table, string rows, bool returnUids = false);

    /// <summary>
    /// SQL for the element at zero-based <paramref name="index"/> of the set passed as
    /// <paramref name="parameter"/> (from <see cref="UidSet"/> or <see cref="TextSet"/>): a value
    /// fixed for the statement, which an index can look up like a parameter.
    /// </summary>
    public abstract string SetElement(string parameter, int index);

    /// <summary>
    /// SQL at the end of a subquery that keeps the planner from merging it into the statement
    /// around it (an <c>OFFSET 0</c>), so its rows are taken first and ordered after.
    /// </summary>
    public abstract string KeepSubquery { get; }

    /// <summary>
    /// SQL for a page's row limit (a parameter) at the end of a history read that walks an index
    /// in the page's order: on PostgreSQL a scalar subquery, whose value the planner does not know,
    /// so it plans for a tenth of the rows it expects and walks the index until the page is full.
    /// With the parameter's value it trusted its row estimate, which the in-force filters
    /// (<c>valid_to</c>, the group's deletions), correlated with the group, put at a few hundred
    /// rows of a 100,000-member group: it read and sorted every row of the group past the page's
    /// start for each page (36 ms, against 0.4 ms walking the index).
    /// </summary>
    public abstract string PageLimit(string parameter);


    /// <summary>SQL for a JSON parameter value in an INSERT or UPDATE.</summary>
    public abstract string JsonValue(string parameter);

    /// <summary>SQL that is true when <paramref name="column"/> contains the searched text, ignoring case, literally.</summary>
    public abstract string Contains(string column, string parameter);

    /// <summary>The parameter value for <see cref="Contains"/>.</summary>
    public abstract string SearchValue(string text);

    /// <summary>A text column as an ordering key that ignores case, compared the same way on both databases (by code point).</summary>
    public abstract string SortText(string column);

    /// <summary>A uid column as its 36-character lower-case text, for a search that matches uids.</summary>
    public abstract string UidText(string column);

    /// <summary>
    /// An instant of the membership history as a read returns its column: on SQLite text in UTC
    /// (<c>yyyy-MM-dd HH:mm:ss.fff</c>, see <see cref="ParseInstant"/>); on PostgreSQL the
    /// <c>timestamptz</c> in binary, a UTC <see cref="DateTime"/>. Formatting it as text there
    /// (<c>to_char</c>) took 70 of the 148 ms the server spent on an as-of read of 100,000 members.
    /// </summary>
    public static DateTimeOffset ReadInstant(object value) => value switch
    {
        string text => ParseInstant(text),
        DateTime utc => new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)),
        _ => throw new InvalidCastException($"An instant of the membership history was read as {value.GetType()}."),
    };

    /// <summary>SQL for an instant parameter (a value of <see cref="InstantValue"/>) comparable with the history's instant columns.</summary>
    public abstract string InstantParameter(string parameter);

    /// <summary>An instant as the parameter value of <see cref="InstantParameter"/>, at the database's precision.</summary>
    public abstract string InstantValue(DateTimeOffset instant);

    /// <summary>Reads an instant of the history's text (SQLite's column).</summary>
    /// <remarks>
    /// An as-of read of a large group parses one or two instants per row, so the two fixed shapes
    /// (<c>yyyy-MM-dd HH:mm:ss.fff</c> and <c>.ffffff</c>) are read digit by digit; any other text
    /// (written by another client) goes through <see cref="DateTimeOffset.ParseExact(string, string[], IFormatProvider, System.Globalization.DateTimeStyles)"/>.
    /// </remarks>
    public static DateTimeOffset ParseInstant(string text) =>
        TryParseFixedInstant(text, out var instant)
            ? instant
            : DateTimeOffset.ParseExact(
                text,
                ["yyyy-MM-dd HH:mm:ss.ffffff", "yyyy-MM-dd HH:mm:ss.fff"],
                System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);

    private static bool TryParseFixedInstant(string text, out DateTimeOffset instant)
    {
        instant = default;
        if (text.Length is not (23 or 26) || text[4] != '-' || text[7] != '-' || text[10] != ' ' || text[13] != ':' || text[16] != ':' || text[19] != '.')
        {
            return false;
        }

        if (!Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second)
            || !Digits(text, 20, text.Length - 20, out var fraction)
            || year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var ticks = text.Length == 23 ? fraction * TimeSpan.TicksPerMillisecond : fraction * TimeSpan.TicksPerMicrosecond;
        instant = new DateTimeOffset(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc).AddTicks(ticks));
        return true;

        static bool Digits(string text, int start, int count, out int value)
        {
            value = 0;
            for (var i = start; i < start + count; i++)
            {
                var digit = text[i] - '0';
                if (digit is < 0 or > 9)
                {
                    return false;
                }

                value = (value * 10) + digit;
            }

            return true;
        }
    }

    /// <summary>
    /// A <c>SELECT</c> of the rows of a JSON array of objects passed as one parameter, one column per
    /// named property, so any number of rows is one statement.
    /// </summary>
    public abstract string JsonRows(string parameter, IReadOnlyList<ColumnModel> columns);

    /// <summary>One row, one count: whether the version table exists. Parameters: @schema, @table.</summary>
    public abstract string VersionTableExists { get; }

    // ---- errors ------------------------------------------------------------------------------

    /// <summary>Says what kind of foreseeable failure a driver exception is, or null for any other.</summary>
    public abstract StorageError? Classify(DbException exception);

    // ---- migrations: what FluentMigrator and the migrator need to know ---------------------

    /// <summary>The physical type of a uuid column.</summary>
    public abstract string UuidColumnType(string column);

    /// <summary>The physical type of a column that holds a JSON object, checked.</summary>
    public abstract string JsonObjectColumnType(string column);

    /// <summary>The physical type of a JSON column written only by the library.</summary>
    public abstract string JsonColumnType { get; }

    /// <summary>SQL for <paramref name="column"/> with the characters in <paramref name="characters"/> removed from both ends.</summary>
    public abstract string TrimCharacters(string column, string characters);

    /// <summary>SQL that is true when <paramref name="column"/> has no character in the ranges of <paramref name="bracketRanges"/> (such as <c>a-z0</c>).</summary>
    public abstract string HasNoCharacterIn(string column, string bracketRanges);

    /// <summary>SQL for a new random uid, as a column default (an outside writer need not supply one).</summary>
    public abstract string RandomUidDefault { get; }

    /// <summary>
    /// SQL that is true when <paramref name="column"/> holds a uid in the canonical form
    /// (<c>xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx</c>, lower-case hex); null where the column's type
    /// already holds nothing else (PostgreSQL's uuid).
    /// </summary>
    public abstract string? UuidShapeRule(string column);

    /// <summary>
    /// SQL that is true when the JSON in <paramref name="column"/> (not null) nests deeper than
    /// <paramref name="depth"/> levels of objects and arrays, counted as System.Text.Json counts
    /// them (<c>{}</c> is one level). On SQLite it holds a subquery, so it can only be a trigger's
    /// condition, never a CHECK.
    /// </summary>
    public abstract string JsonDeeperThan(string column, int depth);

    /// <summary>
    /// The names of the rules the database enforces on the library's tables, by physical table
    /// name, for the drift check: named CHECK constraints, triggers by name, and on SQLite the rules its triggers
    /// carry (<see cref="SchemaModel.Rules"/>).
    /// </summary>
    public abstract Task<IReadOnlyDictionary<string, IReadOnlySet<string>>> ReadRulesAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>True where a CHECK constraint can be added to an existing table; false where the table must be rebuilt (SQLite).</summary>
    public abstract bool CanAddConstraints { get; }

    /// <summary>
    /// Points FluentMigrator at this database: its processor, running on <paramref name="connection"/>,
    /// the store's own connection (from the store's data source, so a host's password provider or
    /// SCRAM credentials apply), which also holds the migration lock.
    /// </summary>
    public abstract void ConfigureMigrationRunner(IMigrationRunnerBuilder runner, DbConnection connection);

    // ---- the drift check: the tables as this database's own catalog reports them ---------------

    /// <summary>Reads the tables of the library's schema from this database's catalog, on <paramref name="connection"/>.</summary>
    public abstract Task<IReadOnlyDictionary<string, PhysicalTable>> ReadTablesAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>
    /// Reads the tables of the schema that holds the portfolio table (a host's table may be in a
    /// schema of its own on PostgreSQL), for the check that a host's table fits.
    /// </summary>
    public abstract Task<IReadOnlyDictionary<string, PhysicalTable>> ReadPortfolioTableSchemaAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public abstract string PhysicalType(ColumnModel column);

    /// <inheritdoc/>
    public abstract bool FitsUid(string physicalType);

    /// <inheritdoc/>
    public abstract string UidTypeInWords { get; }

    /// <inheritdoc/>
    public abstract bool KeepsForeignKeyNames { get; }

    /// <summary>Runs first in every migration call, on the migrator's connection: serializes migrators, prepares the schema.</summary>
    public virtual Task BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs last in every migration call, also on failure.</summary>
    public virtual Task EndMigrationAsync(DbConnection connection) => Task.CompletedTask;

    /// <summary>Writes the tables' and columns' descriptions where the database keeps them (PostgreSQL's <c>COMMENT ON</c>).</summary>
    public virtual Task WriteDescriptionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<TableModel> tables, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    // ---- bulk writes: one transaction, input streamed into temporary tables -----------------

    /// <summary>The most rows one command copies into a temporary table (<see cref="CopyRowsAsync"/>).</summary>
    public abstract int BulkBatchSize { get; }

    /// <summary>
    /// SQL after a SELECT of one row inside a transaction: keeps other writers from changing or
    /// deleting the row until the transaction ends (PostgreSQL); empty where the write transaction
    /// already excludes every other writer (SQLite).
    /// </summary>
    public abstract string LockForUpdate { get; }

    /// <summary>
    /// SQL after a SELECT of one row inside a transaction: keeps the row from being deleted (or its
    /// key changed) until the transaction ends, and nothing more (PostgreSQL); empty where the write
    /// transaction already excludes every other writer (SQLite).
    /// </summary>
    public abstract string LockAgainstDelete { get; }

    /// <summary>The qualified, quoted name of a temporary table.</summary>
    public abstract string TempTableName(TempTable table);

    /// <summary>The statements that create a temporary table for the current transaction (replacing one left by an earlier call).</summary>
    public abstract string CreateTempTable(TempTable table);

    /// <summary>
    /// The statement that gathers a filled temporary table's statistics, or null where the planner
    /// needs none: PostgreSQL never analyzes a temporary table by itself, and plans a join against
    /// one it believes nearly empty as a nested loop.
    /// </summary>
    public virtual string? AnalyzeTempTable(TempTable table) => null;

    /// <summary>The statement that drops a temporary table before commit, or null where the database drops it at commit.</summary>
    public abstract string? DropTempTable(TempTable table);

    /// <summary>Copies rows (values in <see cref="TempTable.Columns"/> order, as this database's driver wants them) into a temporary table, as one command.</summary>
    /// <returns>The number of rows copied.</returns>
    public abstract Task<int> CopyRowsAsync(DbConnection connection, DbTransaction transaction, TempTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction on one connection. The work commits with
    /// <see cref="WriteTransaction.CommitAsync"/>; if it returns without committing, or throws
    /// (cancellation included), everything it wrote is rolled back.
    /// </summary>
    /// <param name="work">The transaction's statements.</param>
    /// <param name="cancellationToken">Cancels the work; nothing is written then.</param>
    /// <param name="rerunnable">
    /// True when running <paramref name="work"/> again does the same (it reads nothing from the
    /// caller that can be read once only, such as a stream of rows): then a transaction the database
    /// ended for a conflict runs again, as a single statement does (<see cref="ConflictReruns"/>).
    /// Inside a bound transaction nothing runs again: the locks the transaction took before the call
    /// may be part of the conflict, so the caller decides.
    /// </param>
    public async Task<T> InTransactionAsync<T>(Func<WriteTransaction, Task<T>> work, CancellationToken cancellationToken, bool rerunnable = false)
    {
        if (_binding is { } binding)
        {
            return await InSavepointAsync(binding, work, cancellationToken).ConfigureAwait(false);
        }

        for (var conflicts = 0; ; )
        {
            try
            {
                return await InOwnTransactionAsync(work, cancellationToken).ConfigureAwait(false);
            }
            catch (TransientStorageException ex) when (rerunnable && ex.RolledBackForConflict && conflicts < ConflictReruns)
            {
                await Task.Delay(ConflictPause(++conflicts), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// How many more times a call that is its own transaction runs when the database ended it for a
    /// conflict (a deadlock's victim, a serialization failure): the database rolled all of it back,
    /// and the transaction it gave way to has most often finished by then.
    /// </summary>
    internal const int ConflictReruns = 3;

    /// <summary>The pause before the <paramref name="rerun"/>th run again: a few random milliseconds, longer each time, so that two victims do not meet again at once.</summary>
    private static TimeSpan ConflictPause(int rerun) => TimeSpan.FromMilliseconds(Random.Shared.Next(1, (10 * rerun) + 1));

    private async Task<T> InOwnTransactionAsync<T>(Func<WriteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenForCallAsync(ConnectionIntent.Write, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // SQLite: BEGIN IMMEDIATE (the driver's default), so the call holds the write lock from
            // the start and never fails to upgrade a read lock halfway through.
            DbTransaction transaction;
            try
            {
                transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DbException ex) when (Classify(ex) is { } error)
            {
                throw Translate(error, ErrorContext.Read, ex);
            }

            T result;
            var scope = new WriteTransaction(this, connection, transaction);
            await using (transaction.ConfigureAwait(false))
            {
                result = await work(scope).ConfigureAwait(false);
            }

            if (scope.Committed)
            {
                await NoteCommittedAsync(connection).ConfigureAwait(false);
            }

            return result;
        }
    }

    /// <summary>
    /// A bulk call inside a bound transaction: its work runs behind a savepoint, so it stays all or
    /// nothing within the transaction. Its commit releases the savepoint; a failure, or returning
    /// without committing, rolls back to it and leaves the transaction's earlier work intact.
    /// </summary>
    private async Task<T> InSavepointAsync<T>(TransactionBinding binding, Func<WriteTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        using var lease = await binding.EnterAsync(cancellationToken).ConfigureAwait(false);
        var savepoint = binding.NextSavepoint();
        var scope = new WriteTransaction(this, binding.Connection, binding.Transaction, savepoint);
        await scope.SavepointAsync(savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await work(scope).ConfigureAwait(false);
            if (!scope.Committed)
            {
                await scope.RollbackToSavepointAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            }

            return result;
        }
        catch when (!scope.Committed && TransactionBinding.IsActive(binding.Transaction))
        {
            await scope.RollbackToSavepointAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>One call of a bound database: on the transaction's connection, behind a savepoint where a failed statement would end the transaction.</summary>
    private async Task<T> RunBoundAsync<T>(TransactionBinding binding, string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        using var lease = await binding.EnterAsync(cancellationToken).ConfigureAwait(false);
        if (ReferenceEquals(context, ErrorContext.Read) || !FailedStatementAbortsTransaction)
        {
            return await RunAsync(binding.Connection, operation, context, command, cancellationToken).ConfigureAwait(false);
        }

        var savepoint = binding.NextSavepoint();
        var scope = new WriteTransaction(this, binding.Connection, binding.Transaction, savepoint);
        await scope.SavepointAsync(savepoint, cancellationToken).ConfigureAwait(false);
        try
        {
            var result = await RunAsync(binding.Connection, operation, context, command, cancellationToken).ConfigureAwait(false);
            await scope.CommitAsync(CancellationToken.None).ConfigureAwait(false);
            return result;
        }
        catch when (!scope.Committed && TransactionBinding.IsActive(binding.Transaction))
        {
            await scope.RollbackToSavepointAsync(savepoint, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    // ---- connections and commands ------------------------------------------------------------

    /// <summary>Opens a connection, set up for the library, on the server that takes writes.</summary>
    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(ConnectionIntent.Write, cancellationToken);

    /// <summary>
    /// The one place a connection is acquired: every call opens its connection here, saying what
    /// it will do with it. The base opens every connection from the data source alike; PostgreSQL
    /// over several hosts sends reads to a standby (<see cref="PortfolioStoreOptions.PostgresReads"/>).
    /// </summary>
    protected virtual ValueTask<DbConnection> OpenAsync(ConnectionIntent intent, CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>
    /// Called after a write committed on <paramref name="connection"/> (still open), outside a
    /// bound transaction: where reads go to standbys, it records how far the primary's log is, so
    /// later reads wait for a standby to reach it. Never throws: the write has committed.
    /// </summary>
    public virtual Task NoteCommittedAsync(DbConnection connection) => Task.CompletedTask;

    /// <summary>
    /// Resets the session of a connection a host may have run its own commands on (a store
    /// transaction whose <c>DbTransaction</c> it asked for), before it goes back to the pool, where
    /// the driver does not reset a reused connection itself. Never throws.
    /// </summary>
    public virtual Task ResetSessionAsync(DbConnection connection) => Task.CompletedTask;

    /// <summary>Opens a connection for a call: a server that cannot be reached is a <see cref="TransientStorageException"/>.</summary>
    private async ValueTask<DbConnection> OpenForCallAsync(ConnectionIntent intent, CancellationToken cancellationToken)
    {
        DbConnection connection;
        try
        {
            connection = await OpenAsync(intent, cancellationToken).ConfigureAwait(false);
        }
        catch (DbException ex) when (Classify(ex) is { } error)
        {
            throw Translate(error, intent == ConnectionIntent.Migrate ? ErrorContext.OpenForMigration : ErrorContext.Open, ex);
        }

        if (ConnectionOpened is { } opened)
        {
            await opened(connection, intent).ConfigureAwait(false);
        }

        return connection;
    }

    /// <summary>A test's look at each connection a call opens, and what for; null (nothing runs) outside tests.</summary>
    internal Func<DbConnection, ConnectionIntent, Task>? ConnectionOpened { get; set; }

    /// <summary>
    /// Runs one command on a connection of its own. A read (<see cref="ErrorContext.Read"/>) whose
    /// connection was lost is run once more on a fresh connection: it changed nothing, so running it
    /// again is safe. A write that lost its connection is not (it may have committed just before):
    /// the caller gets a <see cref="TransientStorageException"/>. A command the database ended for a
    /// conflict (a deadlock's victim) wrote nothing and runs again, up to <see cref="ConflictReruns"/> times.
    /// </summary>
    /// <param name="operation">The traced operation name, such as <c>portfolio.get</c>.</param>
    /// <param name="context">What the command writes, so a driver error can name the row.</param>
    /// <param name="command">The command: its SQL, parameters and mapping are the caller's.</param>
    /// <param name="cancellationToken">Cancels opening the connection and the command.</param>
    public async Task<T> RunAsync<T>(string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        if (_binding is { } binding)
        {
            // No retry: the transaction died with its connection.
            return await RunBoundAsync(binding, operation, context, command, cancellationToken).ConfigureAwait(false);
        }

        var rerunLost = ReferenceEquals(context, ErrorContext.Read);
        for (var conflicts = 0; ; )
        {
            try
            {
                return await RunOnOwnConnectionAsync(operation, context, command, cancellationToken).ConfigureAwait(false);
            }
            catch (TransientStorageException ex) when (ex.ConnectionLost && rerunLost)
            {
                rerunLost = false;
            }
            catch (TransientStorageException ex) when (ex.RolledBackForConflict && conflicts < ConflictReruns)
            {
                await Task.Delay(ConflictPause(++conflicts), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async ValueTask<T> RunOnOwnConnectionAsync<T>(string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        var read = ReferenceEquals(context, ErrorContext.Read);
        var connection = await OpenForCallAsync(read ? ConnectionIntent.Read : ConnectionIntent.Write, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var result = await RunAsync(connection, operation, context, command, cancellationToken).ConfigureAwait(false);
            if (!read)
            {
                // One statement outside a transaction: it has committed.
                await NoteCommittedAsync(connection).ConfigureAwait(false);
            }

            return result;
        }
    }

    /// <summary>
    /// The one path from a classified driver error to the library's exception. A lost connection
    /// also drops the data source's idle connections: the server that ended one has most likely
    /// ended the others (a restart, a failover), and a later call must not be handed a dead one.
    /// </summary>
    private PortfolioGroupsException Translate(StorageError error, ErrorContext context, DbException exception)
    {
        if (error.Kind == StorageErrorKind.ConnectionLost)
        {
            ForgetIdleConnections();
        }

        return ErrorTranslator.Translate(error, context, exception);
    }

    /// <summary>Drops the idle pooled connections (PostgreSQL); nothing to do where no server can drop them (SQLite).</summary>
    protected virtual void ForgetIdleConnections()
    {
    }

    /// <summary>Runs one command on the caller's connection (and transaction, which the command names).</summary>
    public async Task<T> RunAsync<T>(DbConnection connection, string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(operation);
        using var measurement = Telemetry.Start(operation, DbSystem);
        try
        {
            using (CommandCancellation.Use(cancellationToken))
            using (CommandCancellation.UseTransaction(this))
            {
                return await RunCommandAsync(connection, command, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (measurement.Failed(ex))
        {
            throw; // never reached: the filter only notes the failure
        }
        catch (DbException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (Classify(ex) is { } error)
            {
                throw Translate(error, context, ex);
            }

            throw;
        }
    }

    /// <summary>
    /// Runs one command of <see cref="RunAsync{T}(DbConnection, string, ErrorContext, Func{DbConnection, Task{T}}, CancellationToken)"/>:
    /// as it is, where the database has no failure to wait out that its driver does not (SQLite's shared-cache schema lock does).
    /// </summary>
    protected virtual Task<T> RunCommandAsync<T>(DbConnection connection, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken) =>
        command(connection);

    /// <summary>
    /// Runs a statement that returns at most one row (a find by key) on <paramref name="connection"/>
    /// (in its bound transaction, if any) and reads the row by column position with
    /// <paramref name="read"/>; null when there is none. Run it inside <see cref="RunAsync{T}(DbConnection, string, ErrorContext, Func{DbConnection, Task{T}}, CancellationToken)"/>
    /// (which gives it its cancellation and translates its errors), like a Dapper call.
    /// </summary>
    /// <remarks>
    /// Plain ADO.NET rather than Dapper's mapping by column name, which finds each column by its name
    /// and asks the driver each column's type on every call: on SQLite that costs about as much as
    /// reading the row (some 3 µs of a 13 µs find). The statement names its columns in the order
    /// <paramref name="read"/> reads them.
    /// </remarks>
    public static async Task<T?> ReadRowAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> read, string parameter, object? value)
        where T : class
    {
        var cancellationToken = CommandCancellation.Current;
        var command = OneParameterCommand(connection, sql, parameter, value);
        await using (command.ConfigureAwait(false))
        {
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? read(reader) : null;
            }
        }
    }

    /// <summary>
    /// Reads every row of a query with one parameter by position, as the rows arrive, for
    /// <see cref="StreamAsync{T}"/>: the plain reader's loop, with no mapper between the reader and
    /// <paramref name="read"/> (<see cref="ReaderRows{T}"/>).
    /// </summary>
    public static IAsyncEnumerable<T> ReadRowsAsync<T>(DbConnection connection, string sql, Func<DbDataReader, T> read, string parameter, object? value) =>
        new ReaderRows<T>(connection, sql, read, parameter, value);

    /// <summary>A command of <paramref name="sql"/> with one parameter, naming the bound transaction on its connection (SQLite requires it).</summary>
    internal static DbCommand OneParameterCommand(DbConnection connection, string sql, string parameter, object? value)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        var bound = command.CreateParameter();
        bound.ParameterName = parameter;
        bound.Value = value ?? DBNull.Value;
        command.Parameters.Add(bound);
        if (CommandCancellation.BoundDatabase is { Binding: { } binding } && ReferenceEquals(binding.Connection, connection))
        {
            command.Transaction = binding.Transaction;
        }

        return command;
    }

    /// <summary>Reads a uid column by position, for a <see cref="ReadRowAsync"/> reader: as the engine stores uids, a stored value that is not one an <see cref="UnreadableRowException"/>.</summary>
    public abstract Guid ReadUid(DbDataReader reader, int column);

    /// <summary>A text column that may be null, for a <see cref="ReadRowAsync"/> reader.</summary>
    public static string? OptionalText(DbDataReader reader, int column) => reader.IsDBNull(column) ? null : reader.GetString(column);

    /// <summary>
    /// Runs <paramref name="work"/> on one connection: on the primary unless <paramref name="intent"/>
    /// is <see cref="ConnectionIntent.Read"/>. Work on the primary is taken to have written (a
    /// migration): later reads from a standby wait for it.
    /// </summary>
    public async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken, ConnectionIntent intent = ConnectionIntent.Write)
    {
        if (_binding is { } binding)
        {
            using var lease = await binding.EnterAsync(cancellationToken).ConfigureAwait(false);
            return await work(binding.Connection).ConfigureAwait(false);
        }

        var connection = await OpenForCallAsync(intent, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var result = await work(connection).ConfigureAwait(false);
            if (intent != ConnectionIntent.Read)
            {
                await NoteCommittedAsync(connection).ConfigureAwait(false);
            }

            return result;
        }
    }

    /// <summary>
    /// Runs one query on a connection of its own and yields its rows as they arrive (nothing is
    /// buffered). The connection is opened at the first row asked for and released when the
    /// enumeration ends, fails, is cancelled or is abandoned early (disposing the enumerator).
    /// A connection lost before the first row is read is, as for any read, replaced once by a
    /// fresh one and the query run again: nothing was read and nothing changed. Once rows have
    /// been handed out, a lost connection is the caller's <see cref="TransientStorageException"/>.
    /// </summary>
    /// <param name="operation">The traced operation name; one activity spans the enumeration.</param>
    /// <param name="query">The unbuffered query: its SQL, parameters and mapping are the caller's.</param>
    /// <param name="cancellationToken">Cancels opening, the command and the enumeration.</param>
    public async IAsyncEnumerable<T> StreamAsync<T>(string operation, Func<DbConnection, IAsyncEnumerable<T>> query, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var activity = StartActivity(operation);
        using var lease = _binding is { } binding ? await binding.EnterAsync(cancellationToken, stream: true).ConfigureAwait(false) : null;
        for (var attempt = 0; ; attempt++)
        {
            var retry = false;
            var connection = _binding?.Connection ?? await OpenForCallAsync(ConnectionIntent.Read, cancellationToken).ConfigureAwait(false);
            using var measurement = Telemetry.Start(operation, DbSystem);
            using var bound = CommandCancellation.UseTransaction(this);
            await using (new ConnectionRelease(_binding is null ? connection : null).ConfigureAwait(false))
            {
                var rows = query(connection).GetAsyncEnumerator(cancellationToken);
                await using (rows.ConfigureAwait(false))
                {
                    var first = true;
                    while (true)
                    {
                        bool more;
                        try
                        {
                            if (first)
                            {
                                // The command starts (and takes its token) at the first row.
                                using (CommandCancellation.Use(cancellationToken))
                                {
                                    more = await rows.MoveNextAsync().ConfigureAwait(false);
                                }
                            }
                            else
                            {
                                cancellationToken.ThrowIfCancellationRequested();
                                more = await rows.MoveNextAsync().ConfigureAwait(false);
                            }
                        }
                        catch (Exception ex) when (measurement.Failed(ex))
                        {
                            throw; // never reached: the filter only notes the failure
                        }
                        catch (DbException ex) when (first && attempt == 0 && _binding is null && Classify(ex) is { Kind: StorageErrorKind.ConnectionLost })
                        {
                            // Nothing was read yet: drop the dead idle connections and read again once.
                            ForgetIdleConnections();
                            retry = true;
                            break;
                        }
                        catch (DbException ex)
                        {
                            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                            if (Classify(ex) is { } error)
                            {
                                throw Translate(error, ErrorContext.Read, ex);
                            }

                            throw;
                        }

                        first = false;
                        if (!more)
                        {
                            yield break;
                        }

                        yield return rows.Current;
                    }
                }
            }

            if (!retry)
            {
                yield break;
            }
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_ownsDataSource && _binding is null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The synchronous twin of <see cref="DisposeAsync"/>, for owners that can only dispose synchronously (a DI container).</summary>
    public virtual void Dispose()
    {
        if (_ownsDataSource && _binding is null)
        {
            _dataSource.Dispose();
        }
    }

    /// <summary>Quotes an identifier the library owns.</summary>
    protected static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>A name in the store's schema, quoted, and qualified by the schema when there is one (PostgreSQL).</summary>
    public string Qualify(string table) => Schema is null ? Quote(table) : Quote(Schema) + "." + Quote(table);

    private Activity? StartActivity(string operation)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("db.system", DbSystem);
            activity.SetTag("db.system.name", DbSystem);
            activity.SetTag("db.operation.name", operation);
        }

        return activity;
    }
}

/// <summary>Disposes a connection the call opened; nothing for the connection of a bound transaction, which is not the call's.</summary>
internal readonly struct ConnectionRelease(DbConnection? owned) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => owned?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>What a call will do with the connection it opens (<see cref="Database.OpenAsync(ConnectionIntent, CancellationToken)"/>).</summary>
internal enum ConnectionIntent
{
    /// <summary>Only read, outside a transaction: may run on a standby.</summary>
    Read,

    /// <summary>Write, or begin a transaction: always on the primary.</summary>
    Write,

    /// <summary>Migrate the schema: on the primary, and a store that finds none cannot open.</summary>
    Migrate,
}

/// <summary>The kind of a temporary table's column; each database maps it to its own type.</summary>
internal enum TempColumnKind
{
    /// <summary>A 64-bit integer.</summary>
    Integer,

    /// <summary>A uid, in the form <see cref="Database.Uid"/> gives.</summary>
    Uuid,

    /// <summary>Text (also JSON text, cast where it is written to a JSON column).</summary>
    Text,
}

/// <summary>A temporary table's column.</summary>
internal sealed record TempColumn(string Name, TempColumnKind Kind);

/// <summary>
/// A temporary table a bulk call streams its input into: a name the library owns, its columns, and
/// optionally a unique key (where rows with a null in the key never conflict, on both databases).
/// </summary>
internal sealed record TempTable(string Name, IReadOnlyList<TempColumn> Columns, IReadOnlyList<string>? UniqueKey = null)
{
    /// <summary>The column names, comma-separated, in order.</summary>
    public string ColumnList => string.Join(", ", Columns.Select(c => c.Name));

    /// <summary>The column definitions for CREATE TABLE, each column's type from <paramref name="type"/>, and the unique key.</summary>
    public string Definition(Func<TempColumnKind, string> type) =>
        string.Join(", ", Columns.Select(c => $"{c.Name} {type(c.Kind)}"))
        + (UniqueKey is { } key ? $", UNIQUE ({string.Join(", ", key)})" : "");
}

/// <summary>
/// One transaction on one connection, from <see cref="Database.InTransactionAsync{T}"/>: runs
/// commands in it (each traced and translated like any other), creates the temporary tables
/// a bulk call streams its input into, and commits.
/// </summary>
internal sealed class WriteTransaction
{
    private readonly Database _database;
    private readonly List<TempTable> _tempTables = [];

    private readonly string? _savepoint;

    internal WriteTransaction(Database database, DbConnection connection, DbTransaction transaction, string? savepoint = null)
    {
        _database = database;
        Connection = connection;
        Transaction = transaction;
        _savepoint = savepoint;
    }

    /// <summary>True once <see cref="CommitAsync"/> has committed (or released the savepoint).</summary>
    public bool Committed { get; private set; }

    public DbConnection Connection { get; }

    /// <summary>The transaction every command in it must name.</summary>
    public DbTransaction Transaction { get; }

    /// <summary>The database, for its SQL fragments.</summary>
    public Database Database => _database;

    /// <summary>Runs one command in the transaction.</summary>
    public Task<T> RunAsync<T>(string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken) =>
        _database.RunAsync(Connection, operation, ReferenceEquals(context, ErrorContext.Read) ? ErrorContext.InWriteTransaction : context, command, cancellationToken);

    /// <summary>Creates a temporary table for this transaction, empty.</summary>
    public async Task CreateTempTableAsync(TempTable table, CancellationToken cancellationToken)
    {
        var sql = _database.CreateTempTable(table);
        await RunAsync("bulk.create_temp_table", ErrorContext.Read, c => c.ExecuteAsync(sql, transaction: Transaction), cancellationToken).ConfigureAwait(false);
        _tempTables.Add(table);
    }

    /// <summary>Marks a savepoint, so a statement that fails after it can be undone alone (<see cref="RollbackToSavepointAsync"/>).</summary>
    public Task SavepointAsync(string name, CancellationToken cancellationToken) =>
        RunAsync("savepoint", ErrorContext.Read, async _ => { await Transaction.SaveAsync(name, cancellationToken).ConfigureAwait(false); return 0; }, cancellationToken);

    /// <summary>
    /// Undoes everything since the savepoint <paramref name="name"/>; the transaction goes on (on
    /// PostgreSQL a failed statement leaves it unusable until then).
    /// </summary>
    public Task RollbackToSavepointAsync(string name, CancellationToken cancellationToken) =>
        RunAsync("rollback_to_savepoint", ErrorContext.Read, async _ => { await Transaction.RollbackAsync(name, cancellationToken).ConfigureAwait(false); return 0; }, cancellationToken);

    /// <summary>Copies one batch of rows into a temporary table, as one traced command.</summary>
    public Task<int> CopyAsync(string operation, TempTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) =>
        RunAsync(operation, ErrorContext.Read, c => _database.CopyRowsAsync(c, Transaction, table, rows, cancellationToken), cancellationToken);

    /// <summary>
    /// Drops the temporary tables where the database keeps them past the transaction, then commits.
    /// A token cancelled by then rolls back instead; the commit itself is not cancelled halfway.
    /// </summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        foreach (var table in _tempTables)
        {
            // Inside a bound transaction the commit is only a savepoint's release: a table the
            // database would drop at commit is dropped now, so the next bulk call can make it again.
            if ((_database.DropTempTable(table) ?? (_savepoint is null ? null : $"DROP TABLE {_database.TempTableName(table)}")) is { } drop)
            {
                await RunAsync("bulk.drop_temp_table", ErrorContext.Read, c => c.ExecuteAsync(drop, transaction: Transaction), cancellationToken).ConfigureAwait(false);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_savepoint is { } savepoint)
        {
            // Inside a bound transaction: the work is kept, and commits with the transaction.
            await RunAsync("release_savepoint", ErrorContext.Read, async _ => { await Transaction.ReleaseAsync(savepoint, CancellationToken.None).ConfigureAwait(false); return 0; }, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await RunAsync("commit", ErrorContext.Read, async _ => { await Transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false); return 0; }, CancellationToken.None).ConfigureAwait(false);
        }

        Committed = true;
    }
}
