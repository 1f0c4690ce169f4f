using Npgsql;

namespace PortfolioGroups.Tests.Storage;

/// <summary>PostgreSQL roles with fewer rights than the migrator, and what a failed migration leaves behind.</summary>
public sealed class PostgresPermissionTests
{
    [Test]
    public async Task A_role_with_table_rights_only_opens_a_migrated_store_and_works()
    {
        var (connectionString, role) = await MigratedDatabaseWithRestrictedRoleAsync(grantTables: true);
        var asRole = new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ConnectionString;

        await using var store = await PortfolioStore.OpenPostgresAsync(asRole);
        var group = await PortfolioGroup.AddAsync(store, "limited", "Limited");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "p"));

        (await group.GetPortfoliosAsync()).Should().ContainSingle();
        (await store.GetMigrationStatusAsync()).IsUpToDate.Should().BeTrue();
    }

    [Test]
    public async Task A_migration_that_fails_releases_the_advisory_lock_on_a_callers_data_source()
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync("lockrelease");
        var role = await CreateRoleAsync(connectionString, grantTables: false, schema: null);
        var asRole = new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ConnectionString;

        // The role may not create the schema: the migration fails part-way. The caller's data
        // source outlives the store, so a lock left on one of its pooled connections would stay.
        await using var dataSource = NpgsqlDataSource.Create(asRole);
        var open = () => PortfolioStore.OpenPostgresAsync(dataSource, new PortfolioStoreOptions { PostgresSchema = "not_allowed" });
        var thrown = await open.Should().ThrowAsync<StoreOpenException>();
        thrown.Which.Failure.Should().Be(StoreOpenFailure.SchemaMissing);
        thrown.Which.Message.Should().Contain("'not_allowed' does not exist");
        thrown.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("42501");

        await using var admin = new NpgsqlConnection(connectionString);
        await admin.OpenAsync();
        await using var locks = new NpgsqlCommand("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database WHERE l.locktype = 'advisory' AND d.datname = current_database()", admin);
        (await locks.ExecuteScalarAsync()).Should().Be(0L);
    }

    [Test]
    public async Task Disposing_a_store_that_migrated_leaves_no_connection_to_the_database()
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync("noleak");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using (var store = await PortfolioStore.OpenPostgresAsync(connectionString))
        {
            await Portfolio.AddAsync(store, "p");
        }

        await using var admin = new NpgsqlConnection(TestDatabases.PostgresAdminConnectionString);
        await admin.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = @db", admin);
        count.Parameters.AddWithValue("db", database);
        // The server notices a closed connection shortly after the client closes it; on a loaded
        // machine that can take a while, so wait for the condition with a generous bound.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        var open = (long)(await count.ExecuteScalarAsync())!;
        while (open != 0 && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
            open = (long)(await count.ExecuteScalarAsync())!;
        }

        open.Should().Be(0, "the store's connections are closed when it is disposed (waited {0:0.0} s)", waited.Elapsed.TotalSeconds);
    }

    private static async Task<(string ConnectionString, string Role)> MigratedDatabaseWithRestrictedRoleAsync(bool grantTables)
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync("restricted");
        await using (await PortfolioStore.OpenPostgresAsync(connectionString))
        {
        }

        return (connectionString, await CreateRoleAsync(connectionString, grantTables, "public"));
    }

    private static async Task<string> CreateRoleAsync(string connectionString, bool grantTables, string? schema)
    {
        var role = "limited_" + Guid.NewGuid().ToString("N")[..12];
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        await using var admin = new NpgsqlConnection(connectionString);
        await admin.OpenAsync();
        var sql = $"CREATE ROLE {role} LOGIN; REVOKE CREATE ON DATABASE \"{database}\" FROM PUBLIC; REVOKE CREATE ON SCHEMA public FROM PUBLIC;";
        if (grantTables)
        {
            sql += $" GRANT USAGE ON SCHEMA {schema} TO {role}; GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role};";
        }

        try
        {
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
        catch (PostgresException ex) when (ex.SqlState == "42501" && !TestDatabases.IsCi)
        {
            Assert.Ignore($"The test server's role may not create roles ({ex.MessageText}).");
        }

        return role;
    }
}
