using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace PortfolioGroups.Storage;

/// <summary>
/// Opens connections and runs commands. Every command goes through here, so each one is traced
/// as one <see cref="Activity"/> and its foreseeable driver errors are translated.
/// </summary>
internal sealed class Database : IAsyncDisposable
{
    /// <summary>The name of the library's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "PortfolioGroups";

    private static readonly ActivitySource Source = new(ActivitySourceName);

    private readonly NpgsqlDataSource? _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string? _sqliteConnectionString;
    private SqliteConnection? _keepAlive;
    private int _sqliteBusyTimeoutMs;

    private Database(SqlDialect dialect, NpgsqlDataSource? dataSource, bool ownsDataSource, string? sqliteConnectionString)
    {
        Dialect = dialect;
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _sqliteConnectionString = sqliteConnectionString;
    }

    public SqlDialect Dialect { get; }

    /// <summary>The SQLite connection string FluentMigrator opens its own connection with: not pooled, so nothing it opened outlives the migration.</summary>
    public string SqliteMigrationConnectionString =>
        new SqliteConnectionStringBuilder(_sqliteConnectionString) { Pooling = false }.ToString();

    public static Database ForPostgres(NpgsqlDataSource dataSource, bool ownsDataSource, string schema) =>
        new(new PostgresDialect(schema), dataSource, ownsDataSource, null);

    public static async Task<Database> ForSqliteAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            // Cascading deletes depend on it; forced whatever the caller's string says.
            ForeignKeys = true,
        };
        var isMemory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:" || builder.DataSource.Length == 0;
        if (isMemory && builder.Cache != SqliteCacheMode.Shared)
        {
            throw new InvalidValueException(
                "connectionString",
                "a private in-memory SQLite database exists only for one connection; use a shared one, such as \"Data Source=name;Mode=Memory;Cache=Shared\", or a file.");
        }

        var database = new Database(new SqliteDialect(), null, false, builder.ToString())
        {
            _sqliteBusyTimeoutMs = (int)Math.Min(builder.DefaultTimeout * 1000L, int.MaxValue),
        };
        SqliteConnection first;
        try
        {
            first = (SqliteConnection)await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException ex)
        {
            throw new InvalidValueException("connectionString", $"the SQLite database '{builder.DataSource}' cannot be opened: {ex.Message}");
        }

        if (isMemory)
        {
            // A shared in-memory database lives while one connection to it is open.
            database._keepAlive = first;
        }
        else
        {
            try
            {
                // WAL lets readers and a writer proceed together; the setting is stored in the file.
                await database.ExecuteAsync(first, null, "store.open", SqliteDialect.UseWriteAheadLog, null, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await first.DisposeAsync().ConfigureAwait(false);
            }
        }

        return database;
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (_dataSource is not null)
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }

        var connection = new SqliteConnection(_sqliteConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            connection.CreateFunction<string?, string?, bool>(SqliteDialect.ContainsFunction, SqliteDialect.ContainsIgnoreCase, isDeterministic: true);

            // Connection set-up, not traced as a command. SQLite's own busy handler waits for a
            // writer with short sleeps; without it Microsoft.Data.Sqlite retries in coarse steps.
            // The wait is bounded by the command timeout ("Default Timeout", 30 s by default).
            using var busy = connection.CreateCommand();
            busy.CommandText = SqliteDialect.BusyTimeout(_sqliteBusyTimeoutMs);
            await busy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task<int> ExecuteAsync(DbConnection connection, DbTransaction? transaction, string operation, string sql, object? parameters, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(operation);
        try
        {
            return await connection.ExecuteAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        catch (DbException ex) when (Fail(activity, ex) is { } translated)
        {
            throw translated;
        }
    }

    public async Task<List<T>> QueryAsync<T>(DbConnection connection, DbTransaction? transaction, string operation, string sql, object? parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        using var activity = StartActivity(operation);
        try
        {
            var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, parameters, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add(map(reader));
                }

                return rows;
            }
        }
        catch (DbException ex) when (Fail(activity, ex) is { } translated)
        {
            throw translated;
        }
    }

    public async Task<List<T>> QueryAsync<T>(string operation, string sql, object? parameters, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await QueryAsync(connection, null, operation, sql, parameters, map, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task<int> ExecuteAsync(string operation, string sql, object? parameters, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ExecuteAsync(connection, null, operation, sql, parameters, cancellationToken).ConfigureAwait(false);
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

    public async ValueTask DisposeAsync()
    {
        if (_keepAlive is not null)
        {
            await _keepAlive.DisposeAsync().ConfigureAwait(false);
            _keepAlive = null;
        }

        if (_sqliteConnectionString is not null)
        {
            // Pooled connections keep the file open; the store's owner expects it released.
            using var connection = new SqliteConnection(_sqliteConnectionString);
            SqliteConnection.ClearPool(connection);
        }

        if (_ownsDataSource && _dataSource is not null)
        {
            await _dataSource.DisposeAsync().ConfigureAwait(false);
        }
    }

    private Activity? StartActivity(string operation)
    {
        var activity = Source.StartActivity(operation, ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.system", Dialect.DbSystem);
            activity.SetTag("db.system.name", Dialect.DbSystem);
            activity.SetTag("db.operation.name", operation);
        }

        return activity;
    }

    /// <summary>Marks the activity failed; returns the library's exception for a foreseeable case, else null (rethrown as is).</summary>
    private PortfolioGroupsException? Fail(Activity? activity, DbException exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        return Dialect.Translate(exception);
    }
}
