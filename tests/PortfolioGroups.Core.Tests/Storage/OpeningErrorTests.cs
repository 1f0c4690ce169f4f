using Microsoft.Data.Sqlite;
using Npgsql;

namespace PortfolioGroups.Tests.Storage;

/// <summary>A database that cannot be used as configured: the library's own exception, with the driver's inside.</summary>
public sealed class OpeningErrorTests
{
    [Test]
    public async Task A_missing_PostgreSQL_database_is_a_store_open_exception()
    {
        var existing = await TestDatabases.CreatePostgresDatabaseAsync(nameof(OpeningErrorTests));
        var missing = new NpgsqlConnectionStringBuilder(existing) { Database = "no_such_database_" + Guid.NewGuid().ToString("N")[..8] }.ConnectionString;

        var thrown = await FluentActions.Awaiting(() => PortfolioStore.OpenPostgresAsync(missing)).Should().ThrowAsync<StoreOpenException>();

        thrown.Which.Failure.Should().Be(StoreOpenFailure.DatabaseMissing);
        thrown.Which.Message.Should().Contain("does not exist").And.Contain("create it");
        thrown.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().Be("3D000");
    }

    [Test]
    public async Task Refused_PostgreSQL_credentials_are_a_store_open_exception()
    {
        var existing = await TestDatabases.CreatePostgresDatabaseAsync(nameof(OpeningErrorTests));
        var stranger = new NpgsqlConnectionStringBuilder(existing) { Username = "no_such_role_" + Guid.NewGuid().ToString("N")[..8] }.ConnectionString;

        var thrown = await FluentActions.Awaiting(() => PortfolioStore.OpenPostgresAsync(stranger)).Should().ThrowAsync<StoreOpenException>();

        thrown.Which.Failure.Should().Be(StoreOpenFailure.AuthenticationFailed);
        thrown.Which.Message.Should().Contain("refused the credentials");
        thrown.Which.InnerException.Should().BeOfType<PostgresException>().Which.SqlState.Should().StartWith("28");
    }

    [Test]
    public async Task A_missing_SQLite_file_that_may_not_be_created_is_a_store_open_exception()
    {
        var path = Path.Combine(Path.GetTempPath(), "portfoliogroups-tests", Guid.NewGuid().ToString("N"), "missing.db");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite }.ToString();

        var thrown = await FluentActions.Awaiting(() => PortfolioStore.OpenSqliteAsync(connectionString)).Should().ThrowAsync<StoreOpenException>();

        thrown.Which.Failure.Should().Be(StoreOpenFailure.DatabaseMissing);
        thrown.Which.Message.Should().Contain(path);
        thrown.Which.InnerException.Should().BeOfType<SqliteException>();
        File.Exists(path).Should().BeFalse();
    }
}
