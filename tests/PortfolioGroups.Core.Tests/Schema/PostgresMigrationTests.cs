using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>What only PostgreSQL has: comments, schemas, and migrators serialized by an advisory lock.</summary>
[TestFixture(Db.Postgres)]
public sealed class PostgresMigrationTests(Db db) : DatabaseTest(db)
{
    private static readonly long[] AllVersions = MigrationTests.AllVersions;

    /// <summary>
    /// The version the tests of a migration under a held lock, a lost connection or a timeout revert
    /// and apply again: its index waits on a lock held on the history.
    /// </summary>
    private const long LockedVersion = PortfolioGroups.Migrations.M2026120303_HistoryCloseLatestOfPair.Version;

    /// <summary><see cref="LockedVersion"/> and the versions after it, which those tests revert and apply again, in order.</summary>
    private static long[] FromLockedVersion => MigrationTests.From(LockedVersion);

    [Test]
    public async Task Postgres_tables_and_columns_carry_the_model_descriptions_as_comments()
    {
        await using var connection = await OpenPlainConnectionAsync();
        foreach (var table in SchemaModel.AllTables)
        {
            var qualified = $"{PostgresSchema}.{table.PhysicalName}";
            (await connection.ExecuteScalarAsync<string?>("SELECT obj_description(CAST(@t AS regclass), 'pg_class')", new { t = qualified }))
                .Should().Be(table.Description);
            var comments = (await connection.QueryAsync<ColumnComment>(
                    "SELECT attname::text AS name, col_description(attrelid, attnum) AS comment FROM pg_attribute WHERE attrelid = CAST(@t AS regclass) AND attnum > 0 AND NOT attisdropped",
                    new { t = qualified }))
                .ToDictionary(r => r.Name, r => r.Comment);
            comments.Should().BeEquivalentTo(table.Columns.ToDictionary(c => c.Name, c => (string?)c.Description));
        }
    }

    /// <summary>
    /// A migration may run long (an index built over a large history): its statements have no
    /// command timeout, whatever the connection string's. Here 2026120303's index waits three
    /// seconds on a lock another session holds on the history, with a one-second command timeout.
    /// </summary>
    [Test]
    public async Task A_migration_statement_that_runs_past_the_command_timeout_completes()
    {
        var connectionString = await NewDatabaseAsync();
        var oneSecond = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { CommandTimeout = 1 }.ToString();
        await using var store = await OpenStoreAsync(oneSecond);
        (await store.MigrateDownAsync(LockedVersion - 1)).Ran.Should().Equal(FromLockedVersion.Reverse());

        await using var holder = await OpenPlainConnectionAsync(connectionString);
        await using var transaction = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync($"LOCK TABLE {Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName)} IN EXCLUSIVE MODE", transaction: transaction);
        var migrating = store.MigrateAsync();
        if (await Task.WhenAny(migrating, Task.Delay(TimeSpan.FromSeconds(3))) == migrating)
        {
            await migrating; // Its error, if it failed.
            Assert.Fail("The migration ended while the lock was held.");
        }

        await transaction.RollbackAsync();

        (await migrating).Ran.Should().Equal(FromLockedVersion);
        (await store.GetMigrationStatusAsync()).AppliedVersions.Should().Equal(AllVersions);
    }

    /// <summary>
    /// A migration whose connection is lost halfway fails as <see cref="TransientStorageException"/>
    /// (not FluentMigrator's wrapper of the driver's error); the version that was running changed
    /// nothing, and the next migrate call applies it.
    /// </summary>
    [Test]
    public async Task A_migration_whose_connection_is_lost_fails_as_transient_and_the_next_call_applies_it()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        (await store.MigrateDownAsync(LockedVersion - 1)).Ran.Should().Equal(FromLockedVersion.Reverse());

        await using var holder = await OpenPlainConnectionAsync(connectionString);
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await holder.ExecuteAsync($"LOCK TABLE {Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName)} IN EXCLUSIVE MODE", transaction: transaction);
            var migrating = store.MigrateAsync();
            var waiting = await LockWaits.BackendWaitingAsync(connectionString, "The migration never waited on the held lock.", except: ((Npgsql.NpgsqlConnection)holder).ProcessID);
            await using (var admin = new Npgsql.NpgsqlConnection(TestDatabases.PostgresAdminConnectionString))
            {
                await admin.OpenAsync();
                (await admin.ExecuteScalarAsync<bool>("SELECT pg_terminate_backend(@waiting)", new { waiting })).Should().BeTrue();
            }

            var thrown = await migrating.Invoking(m => m).Should().ThrowAsync<TransientStorageException>();
            thrown.Which.ConnectionLost.Should().BeTrue();
            thrown.Which.Message.Should().Contain("changed nothing").And.Contain("again");
            await transaction.RollbackAsync();
        }

        (await store.GetMigrationStatusAsync()).PendingVersions.Should().Equal(FromLockedVersion);
        (await store.MigrateAsync()).Ran.Should().Equal(FromLockedVersion);
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    /// <summary>
    /// A server-side <c>statement_timeout</c> (the way to bound a migration, which has no command
    /// timeout) ends a migration, and any call, as <see cref="TransientStorageException"/>, not as
    /// the driver's error; the migration changed nothing and runs once the lock is gone.
    /// </summary>
    [Test]
    public async Task A_server_statement_timeout_fails_a_migration_and_a_call_as_transient()
    {
        var connectionString = await NewDatabaseAsync();
        var bounded = new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { Options = "-c statement_timeout=300" }.ToString();
        await using var store = await OpenStoreAsync(bounded);
        (await store.MigrateDownAsync(LockedVersion - 1)).Ran.Should().Equal(FromLockedVersion.Reverse());

        await using var holder = await OpenPlainConnectionAsync(connectionString);
        await using (var transaction = await holder.BeginTransactionAsync())
        {
            await holder.ExecuteAsync(
                $"LOCK TABLE {Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName)}, {Table("portfolio_group")} IN EXCLUSIVE MODE", transaction: transaction);
            var migration = await store.Invoking(s => s.MigrateAsync()).Should().ThrowAsync<TransientStorageException>();
            migration.Which.ConnectionLost.Should().BeFalse();
            migration.Which.Message.Should().Contain("statement timeout").And.Contain("changed nothing");

            var call = await store.Invoking(s => PortfolioGroup.AddAsync(s, Unique("timed-out"))).Should().ThrowAsync<TransientStorageException>();
            call.Which.Message.Should().Contain("statement timeout").And.Contain("nothing was written");
            await transaction.RollbackAsync();
        }

        (await store.MigrateAsync()).Ran.Should().Equal(FromLockedVersion);
        (await PortfolioGroup.FilterAsync(store, new PortfolioGroupFilter())).Should().BeEmpty("the timed-out add wrote nothing");
    }

    [Test]
    public async Task Concurrent_migrators_on_postgres_all_succeed_and_apply_each_migration_once()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("The advisory lock serializes PostgreSQL migrators; SQLite has a single writer.");
        }

        var connectionString = await NewDatabaseAsync();
        var opened = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => OpenStoreAsync(connectionString))));
        try
        {
            (await opened[0].GetMigrationStatusAsync()).AppliedVersions.Should().Equal(AllVersions);
        }
        finally
        {
            foreach (var store in opened)
            {
                await store.DisposeAsync();
            }
        }

        await using var connection = await OpenPlainConnectionAsync(connectionString);
        (await connection.QueryAsync<long>($"SELECT version FROM {Table(SchemaModel.VersionTableName)} ORDER BY version")).Should().Equal(AllVersions);
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfoliogroups_catalog")}")).Should().Be(6);
    }

    [Test]
    public async Task Concurrent_migrate_calls_report_each_version_as_run_by_exactly_one_caller()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("The advisory lock serializes PostgreSQL migrators; SQLite has a single writer.");
        }

        var connectionString = await NewDatabaseAsync();
        var stores = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => OpenStoreAsync(connectionString, new PortfolioStoreOptions { MigrateOnOpen = false })));
        try
        {
            var results = await Task.WhenAll(stores.Select(s => Task.Run(() => s.MigrateAsync())));
            results.SelectMany(r => r.Ran).Should().BeEquivalentTo(AllVersions);
            results.Should().OnlyContain(r => r.Status.IsUpToDate);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_custom_postgres_schema_holds_the_tables_the_history_and_the_catalog()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString, new PortfolioStoreOptions { PostgresSchema = "groups_custom" });

        store.Schema.Should().Be("groups_custom");
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var tables = await connection.QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'groups_custom'");
        tables.Should().BeEquivalentTo(SchemaModel.AllTables.Select(t => t.PhysicalName).Append(SchemaModel.VersionTableName));
        (await store.ReadCatalogAsync()).Should().HaveCount(6);
    }

    [Test]
    public async Task An_invalid_postgres_schema_name_is_refused_with_the_field_named()
    {
        var open = () => OpenStoreAsync(ConnectionString, new PortfolioStoreOptions { PostgresSchema = "bad\"; DROP" });
        var reserved = () => OpenStoreAsync(ConnectionString, new PortfolioStoreOptions { PostgresSchema = "pg_mine" });

        (await open.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("PostgresSchema");
        (await reserved.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("PostgresSchema");
    }

    internal sealed record ColumnComment(string Name, string? Comment);
}
