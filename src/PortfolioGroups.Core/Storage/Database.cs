using System.Data.Common;
using System.Diagnostics;
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
internal abstract class Database : IAsyncDisposable
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "PortfolioGroups";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly DbDataSource _dataSource;
    private readonly bool _ownsDataSource;

    protected Database(DbDataSource dataSource, bool ownsDataSource, string? schema)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Schema = schema;
        Portfolio = Qualify(SchemaModel.Portfolio.PhysicalName);
        Group = Qualify(SchemaModel.PortfolioGroup.PhysicalName);
        Membership = Qualify(SchemaModel.PortfolioGroupMembership.PhysicalName);
        Catalog = Qualify(SchemaModel.Catalog.PhysicalName);
        VersionTable = Qualify(SchemaModel.VersionTableName);
    }

    public abstract DatabaseKind Kind { get; }

    /// <summary>The schema that holds the tables (PostgreSQL); null on SQLite.</summary>
    public string? Schema { get; }

    /// <summary>The qualified, quoted name of the <c>portfolio</c> table.</summary>
    public string Portfolio { get; }

    /// <summary>The qualified, quoted name of the <c>portfolio_group</c> table.</summary>
    public string Group { get; }

    /// <summary>The qualified, quoted name of the <c>portfolio_group_membership</c> table.</summary>
    public string Membership { get; }

    /// <summary>The qualified, quoted name of the catalog table.</summary>
    public string Catalog { get; }

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

    /// <summary>SQL that is true when <paramref name="column"/> is in the set passed as <paramref name="parameter"/> (from <see cref="UidSet"/> or <see cref="TextSet"/>).</summary>
    public abstract string InSet(string column, string parameter);

    /// <summary>SQL for a JSON parameter value in an INSERT or UPDATE.</summary>
    public abstract string JsonValue(string parameter);

    /// <summary>SQL that is true when <paramref name="column"/> contains the searched text, ignoring case, literally.</summary>
    public abstract string Contains(string column, string parameter);

    /// <summary>The parameter value for <see cref="Contains"/>.</summary>
    public abstract string SearchValue(string text);

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

    /// <summary>Points FluentMigrator at this database: its processor and its own connection string (not pooled).</summary>
    public abstract void ConfigureMigrationRunner(IMigrationRunnerBuilder runner);

    /// <summary>Runs first in every migration call, on the migrator's connection: serializes migrators, prepares the schema.</summary>
    public virtual Task BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs last in every migration call, also on failure.</summary>
    public virtual Task EndMigrationAsync(DbConnection connection) => Task.CompletedTask;

    /// <summary>Writes the tables' and columns' descriptions where the database keeps them (PostgreSQL's <c>COMMENT ON</c>).</summary>
    public virtual Task WriteDescriptionsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<TableModel> tables, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <summary>A clearer exception for a failure of FluentMigrator's own connection, or null to let it through.</summary>
    public virtual Exception? ExplainMigrationFailure(Exception exception) => null;

    // ---- connections and commands ------------------------------------------------------------

    /// <summary>Opens a connection, set up for the library.</summary>
    public ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>Runs one command on a connection of its own.</summary>
    /// <param name="operation">The traced operation name, such as <c>portfolio.get</c>.</param>
    /// <param name="context">What the command writes, so a driver error can name the row.</param>
    /// <param name="command">The command: its SQL, parameters and mapping are the caller's.</param>
    /// <param name="cancellationToken">Cancels opening the connection and the command.</param>
    public async Task<T> RunAsync<T>(string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await RunAsync(connection, operation, context, command, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs one command on the caller's connection (and transaction, which the command names).</summary>
    public async Task<T> RunAsync<T>(DbConnection connection, string operation, ErrorContext context, Func<DbConnection, Task<T>> command, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(operation);
        try
        {
            using (CommandCancellation.Use(cancellationToken))
            {
                return await command(connection).ConfigureAwait(false);
            }
        }
        catch (DbException ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            if (Classify(ex) is { } error)
            {
                throw ErrorTranslator.Translate(error, context, ex);
            }

            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on one connection.</summary>
    public async Task<T> WithConnectionAsync<T>(Func<DbConnection, Task<T>> work, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await work(connection).ConfigureAwait(false);
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Quotes an identifier the library owns.</summary>
    protected static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private string Qualify(string table) => Schema is null ? Quote(table) : Quote(Schema) + "." + Quote(table);

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
