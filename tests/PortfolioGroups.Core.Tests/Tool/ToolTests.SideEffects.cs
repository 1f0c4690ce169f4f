using Microsoft.Data.Sqlite;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Tool;

/// <summary>What the tool may create, and the exit codes of a database it cannot use.</summary>
public sealed partial class ToolTests
{
    [Test]
    public async Task Only_migrate_up_creates_a_database()
    {
        if (Db == Db.Sqlite)
        {
            var file = Path.Combine(_folder.Path, "missing.db");
            var connection = new SqliteConnectionStringBuilder { DataSource = file }.ToString();

            var status = Json(await RunOkAsync(connection, "migrate", "status", "--json"));
            status.GetProperty("applied").GetArrayLength().Should().Be(0);
            status.GetProperty("pending").GetArrayLength().Should().Be(PortfolioStore.LibraryMigrationVersions.Count);
            Directory.GetFileSystemEntries(_folder.Path).Should().BeEmpty("migrate status creates nothing");
            (await RunOkAsync(connection, "migrate", "script")).Should().Contain("CREATE TABLE");
            ShouldFailWithOneLine(await RunAsync(connection, "groups", "list"), exitCode: 6, "migrate up");
            ShouldFailWithOneLine(await RunAsync(connection, "portfolios", "list"), exitCode: 6, "migrate up");
            ShouldFailWithOneLine(await RunAsync(connection, "migrate", "down", "--to", "0"), exitCode: 6, "no database");
            ShouldFailWithOneLine(await RunAsync(connection, "migrate", "partitions", "--count", "0"), exitCode: 3, "SQLite has no partitions");
            Directory.GetFileSystemEntries(_folder.Path).Should().BeEmpty("no verb but migrate up creates a file");

            // `migrate up` creates the file, and a folder it goes in.
            var nested = new SqliteConnectionStringBuilder { DataSource = Path.Combine(_folder.Path, "data", "portfolios.db") }.ToString();
            (await RunOkAsync(nested, "migrate", "up")).Should().StartWith("Applied ");
            File.Exists(Path.Combine(_folder.Path, "data", "portfolios.db")).Should().BeTrue();
        }
        else
        {
            var schema = "nosuch_" + Guid.NewGuid().ToString("N")[..8];

            var status = Json(await RunOkAsync(ConnectionString, "migrate", "status", "--schema", schema, "--json"));
            status.GetProperty("applied").GetArrayLength().Should().Be(0);
            (await RunOkAsync(ConnectionString, "migrate", "script", "--schema", schema)).Should().Contain("CREATE TABLE");
            (await SchemaExistsAsync(schema)).Should().BeFalse("migrate status and script create nothing");

            (await RunOkAsync(ConnectionString, "migrate", "up", "--schema", schema)).Should().StartWith("Applied ");
            (await SchemaExistsAsync(schema)).Should().BeTrue();
        }
    }

    [Test]
    public async Task A_folder_given_as_the_sqlite_database_is_exit_5()
    {
        if (Db != Db.Sqlite)
        {
            Assert.Ignore("A SQLite file path; PostgreSQL takes a connection string.");
        }

        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "a-folder")).FullName;

        foreach (var verb in new[] { new[] { "groups", "list" }, ["migrate", "status"], ["migrate", "up"] })
        {
            ShouldFailWithOneLine(await RunAsync(folder, verb), exitCode: 5, "is a folder, not a SQLite database file");
        }

        Directory.GetFileSystemEntries(folder).Should().BeEmpty();
    }

    [Test]
    public async Task A_schema_name_that_is_not_plain_is_exit_3_and_changes_nothing()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("--schema names a PostgreSQL schema; SQLite has none.");
        }

        const string hostile = "a\"b; drop table x";
        var before = await CountTablesAsync();

        foreach (var verb in new[] { new[] { "groups", "list" }, ["migrate", "up"], ["migrate", "status"] })
        {
            ShouldFailWithOneLine(await RunAsync(ConnectionString, [.. verb, "--schema", hostile]), exitCode: 3, "Invalid --schema");
        }

        (await CountTablesAsync()).Should().Be(before);
    }

    [Test]
    public async Task A_schema_that_does_not_exist_is_named_and_migrate_up_is_not_advised()
    {
        if (Db != Db.Postgres)
        {
            Assert.Ignore("--schema names a PostgreSQL schema; SQLite has none.");
        }

        var schema = "nosuch_" + Guid.NewGuid().ToString("N")[..8];

        var run = await RunAsync(ConnectionString, "groups", "list", "--schema", schema);

        ShouldFailWithOneLine(run, exitCode: 3, $"The schema '{schema}' does not exist in this database; check --schema (the library's tables are in: ");
        run.Error.Should().Contain(PostgresSchema).And.NotContain("migrate up", "migrating would create the tables under the mistyped name");
        (await SchemaExistsAsync(schema)).Should().BeFalse();
    }

    private async Task<bool> SchemaExistsAsync(string schema)
    {
        await using var plain = await OpenPlainConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<bool>(plain, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", new { schema });
    }

    private async Task<long> CountTablesAsync()
    {
        await using var plain = await OpenPlainConnectionAsync();
        return await Dapper.SqlMapper.ExecuteScalarAsync<long>(plain, "SELECT count(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')");
    }
}
