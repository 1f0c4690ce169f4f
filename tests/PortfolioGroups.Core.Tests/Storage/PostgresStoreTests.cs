using Npgsql;

namespace PortfolioGroups.Tests.Storage;

/// <summary>What opening a store does on PostgreSQL with a caller's data source.</summary>
public sealed class PostgresStoreTests
{
    [Test]
    public async Task A_store_over_a_callers_data_source_leaves_it_open_when_disposed()
    {
        var connectionString = await TestDatabases.CreatePostgresDatabaseAsync(nameof(PostgresStoreTests));
        await using var dataSource = NpgsqlDataSource.Create(connectionString);

        await using (var store = await PortfolioStore.OpenPostgresAsync(dataSource))
        {
            store.DatabaseKind.Should().Be(DatabaseKind.Postgres);
            store.Schema.Should().Be("public");
            await Portfolio.AddAsync(store, "shared");
        }

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM public.portfolio WHERE unique_identifier = 'shared'", connection);
        (await command.ExecuteScalarAsync()).Should().Be(1L);
    }

    [Test]
    public async Task An_unreachable_server_fails_as_transient_with_the_drivers_error_inside_and_no_store()
    {
        var open = () => PortfolioStore.OpenPostgresAsync("Host=127.0.0.1;Port=1;Username=nobody;Timeout=2");

        var thrown = await open.Should().ThrowAsync<TransientStorageException>();
        thrown.Which.ConnectionLost.Should().BeTrue();
        thrown.Which.InnerException.Should().BeAssignableTo<NpgsqlException>();
        thrown.Which.Message.Should().Contain("could not be reached while opening").And.NotContain("write");
    }
}
