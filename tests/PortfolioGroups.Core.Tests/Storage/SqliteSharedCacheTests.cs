using Dapper;
using Microsoft.Data.Sqlite;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// A shared-cache SQLite database (the in-memory kind) while another connection of the same process
/// changes its schema (as a migrating store does): no statement can run until that transaction
/// ends, and a call of the library waits for it, as it waits for a writer, then works.
/// </summary>
public sealed class SqliteSharedCacheTests
{
    [Test]
    public async Task A_connection_opened_while_another_changes_the_schema_waits_for_it_and_works()
    {
        var connectionString = $"Data Source=schema-lock-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using var store = await PortfolioStore.OpenSqliteAsync(connectionString);
        await using var changer = new SqliteConnection(connectionString);
        await changer.OpenAsync();
        await using var change = await changer.BeginTransactionAsync();
        await changer.ExecuteAsync("CREATE TABLE scratch (x INTEGER)", transaction: change);

        // Several calls at once, so the store opens new connections while the schema is locked.
        var calls = Enumerable.Range(0, 4).Select(i => Task.Run(() => Portfolio.AddAsync(store, $"p{i}"))).ToList();
        await Task.Delay(500);
        calls.Should().OnlyContain(c => !c.IsCompleted, "no statement can be prepared while the schema change is open");
        await change.CommitAsync();

        var added = await Task.WhenAll(calls);
        added.Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p0", "p1", "p2", "p3"]);
    }

    [Test]
    public async Task A_call_on_a_pooled_connection_while_another_changes_the_schema_waits_for_it_and_works()
    {
        // The store's connection is set up once and goes back to the pool; the next call takes it
        // again without the set-up, so its first statement meets the schema lock itself.
        var connectionString = $"Data Source=pooled-schema-lock-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using var store = await PortfolioStore.OpenSqliteAsync(connectionString);
        var portfolio = await Portfolio.AddAsync(store, "p");
        await using var changer = new SqliteConnection(connectionString);
        await changer.OpenAsync();
        await using var change = await changer.BeginTransactionAsync();
        await changer.ExecuteAsync("CREATE TABLE scratch (x INTEGER)", transaction: change);

        var status = Task.Run(() => store.GetMigrationStatusAsync());
        var found = Task.Run(() => Portfolio.FindAsync(store, "p"));
        await Task.Delay(500);
        status.IsCompleted.Should().BeFalse("no statement can be prepared while the schema change is open");
        found.IsCompleted.Should().BeFalse("no statement can be prepared while the schema change is open");
        await change.CommitAsync();

        (await status).IsUpToDate.Should().BeTrue();
        (await found)!.Uid.Should().Be(portfolio.Uid);
    }

    [Test]
    public async Task A_stream_on_a_pooled_connection_while_another_changes_the_schema_waits_for_it_and_reads_every_row()
    {
        // A stream's command starts at its first row, outside the path of the other calls' commands: it waits as they do.
        var connectionString = $"Data Source=stream-schema-lock-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using var store = await PortfolioStore.OpenSqliteAsync(connectionString);
        var group = await PortfolioGroup.AddAsync(store, "g", "G");
        var portfolios = new List<Portfolio>();
        foreach (var name in new[] { "p0", "p1", "p2" })
        {
            portfolios.Add(await Portfolio.AddAsync(store, name));
        }

        await PortfolioGroup.AddPortfoliosAsync(store, group, portfolios.Select(p => (PortfolioRef)p));
        await using var changer = new SqliteConnection(connectionString);
        await changer.OpenAsync();
        await using var change = await changer.BeginTransactionAsync();
        await changer.ExecuteAsync("CREATE TABLE scratch (x INTEGER)", transaction: change);

        var streamed = Task.Run(async () => await Portfolio.StreamAsync(store).ToListAsync());
        var members = Task.Run(async () => await PortfolioGroup.StreamPortfoliosAsync(store, group).ToListAsync());
        await Task.Delay(500);
        streamed.IsCompleted.Should().BeFalse("no statement can be prepared while the schema change is open");
        members.IsCompleted.Should().BeFalse("no statement can be prepared while the schema change is open");
        await change.CommitAsync();

        (await streamed).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(["p0", "p1", "p2"]);
        (await members).Select(p => p.Uid).Should().BeEquivalentTo(portfolios.Select(p => p.Uid));
    }

    [Test]
    public async Task A_connection_set_up_just_as_another_starts_changing_the_schema_waits_for_it_and_works()
    {
        // The window between the driver's open (which waits for a schema change) and the library's
        // pragmas, held open: the connection is open when the change starts.
        await using var schema = await SchemaChange.StartAsync();
        var connection = schema.Connection;

        var setUp = Task.Run(async () => await SqliteDatabase.RunPragmasAsync(connection, "PRAGMA busy_timeout = 30000; PRAGMA cache_size = -4096;", TimeSpan.FromSeconds(30), CancellationToken.None));
        await Task.Delay(500);
        setUp.IsCompleted.Should().BeFalse("no statement can be prepared while the schema change is open, so the pragmas wait");
        await schema.Change.CommitAsync();
        await setUp;

        (await connection.ExecuteScalarAsync<long>("PRAGMA cache_size")).Should().Be(-4096L);
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM scratch")).Should().Be(0L);
    }

    [Test]
    public async Task Pragmas_held_back_by_a_schema_change_longer_than_the_timeout_are_a_clear_locked_error()
    {
        await using var schema = await SchemaChange.StartAsync();
        var connection = schema.Connection;

        var setUp = async () => await SqliteDatabase.RunPragmasAsync(connection, "PRAGMA cache_size = -4096;", TimeSpan.FromMilliseconds(200), CancellationToken.None);

        (await setUp.Should().ThrowAsync<SqliteException>()).Which.SqliteErrorCode.Should().Be(6, "SQLITE_LOCKED: the schema is locked");
    }

    [Test]
    public async Task Stores_opening_one_shared_in_memory_database_at_once_never_fail_round_after_round()
    {
        for (var round = 0; round < 25; round++)
        {
            var connectionString = $"Data Source=opening-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
            var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PortfolioStore.OpenSqliteAsync(connectionString))));
            foreach (var store in stores)
            {
                (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue($"round {round}");
                await store.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// A connection to a new shared in-memory database, opened before another connection began
    /// changing its schema (a table created in a transaction left open).
    /// </summary>
    private sealed class SchemaChange : IAsyncDisposable
    {
        private SchemaChange(SqliteConnection connection, SqliteConnection changer, SqliteTransaction change) =>
            (Connection, Changer, Change) = (connection, changer, change);

        public SqliteConnection Connection { get; }

        public SqliteConnection Changer { get; }

        public SqliteTransaction Change { get; }

        public static async Task<SchemaChange> StartAsync()
        {
            var connectionString = $"Data Source=schema-change-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
            var connection = new SqliteConnection(connectionString);
            await connection.OpenAsync();
            var changer = new SqliteConnection(connectionString);
            await changer.OpenAsync();
            var change = (SqliteTransaction)await changer.BeginTransactionAsync();
            await changer.ExecuteAsync("CREATE TABLE scratch (x INTEGER)", transaction: change);
            return new SchemaChange(connection, changer, change);
        }

        public async ValueTask DisposeAsync()
        {
            await Change.DisposeAsync();
            await Changer.DisposeAsync();
            await Connection.DisposeAsync();
        }
    }
}
