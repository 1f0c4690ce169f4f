using Dapper;
using Microsoft.Data.Sqlite;

using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Storage;

/// <summary>What opening a store does on SQLite: files, shared memory, forced foreign keys, WAL, disposal.</summary>
public sealed class SqliteStoreTests : TempFolderTest
{
    [Test]
    public async Task Foreign_keys_are_forced_on_even_when_the_connection_string_turns_them_off()
    {
        var path = Path.Combine(Folder, "fk.db");
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={path};Foreign Keys=False");
        var group = await PortfolioGroup.AddAsync(store, "g", "G");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "p"));

        await group.DeleteAsync();

        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM portfolio_group_membership")).Should().Be(0, "the cascade ran, so foreign keys were on");
        (await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM portfolio")).Should().Be(1);
    }

    [Test]
    public async Task A_file_database_is_switched_to_wal()
    {
        var path = Path.Combine(Folder, "wal.db");
        await using (await PortfolioStore.OpenSqliteAsync($"Data Source={path}"))
        {
        }

        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        (await connection.ExecuteScalarAsync<string?>("PRAGMA journal_mode")).Should().Be("wal");
    }

    [Test]
    public async Task A_shared_in_memory_database_lives_as_long_as_the_store()
    {
        var name = $"Data Source=mem-{Guid.NewGuid():N};Mode=Memory;Cache=Shared";
        await using (var store = await PortfolioStore.OpenSqliteAsync(name))
        {
            await Portfolio.AddAsync(store, "in-memory");
            (await Portfolio.GetAsync(store, "in-memory")).UniqueIdentifier.Should().Be("in-memory");
        }

        await using var again = await PortfolioStore.OpenSqliteAsync(name);
        (await Portfolio.FindAsync(again, "in-memory")).Should().BeNull("the database went away with the first store");
    }

    [TestCase("Data Source=:memory:")]
    [TestCase("Data Source=x;Mode=Memory")]
    public async Task A_private_in_memory_database_is_refused_with_advice(string connectionString)
    {
        var open = () => PortfolioStore.OpenSqliteAsync(connectionString);

        var error = (await open.Should().ThrowAsync<InvalidValueException>()).Which;
        error.Field.Should().Be("connectionString");
        error.Message.Should().Contain("Cache=Shared");
    }

    [TestCase("")]
    [TestCase("Nonsense Keyword=1")]
    public async Task A_bad_connection_string_is_an_invalid_value(string connectionString)
    {
        var open = () => PortfolioStore.OpenSqliteAsync(connectionString);

        (await open.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("connectionString");
    }

    [Test]
    public async Task Disposing_twice_is_safe_and_later_calls_are_refused()
    {
        var path = Path.Combine(Folder, "dispose.db");
        var store = await PortfolioStore.OpenSqliteAsync($"Data Source={path}");
        await Portfolio.AddAsync(store, "p");

        await store.DisposeAsync();
        await store.DisposeAsync();

        await FluentActions.Awaiting(() => Portfolio.GetAsync(store, "p")).Should().ThrowAsync<ObjectDisposedException>();
        await FluentActions.Awaiting(() => store.MigrateAsync()).Should().ThrowAsync<ObjectDisposedException>();
    }

    [Test]
    public async Task A_cancelled_token_stops_a_call_before_it_writes()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(Folder, "cancel.db")}");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(() => Portfolio.AddAsync(store, "never", cancellationToken: cancelled.Token)).Should().ThrowAsync<OperationCanceledException>();
        (await Portfolio.FindAsync(store, "never")).Should().BeNull();
    }

    [Test]
    public async Task The_library_leaves_dappers_global_type_handling_alone()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(Folder, "dapper.db")}");
        await Portfolio.AddAsync(store, "p");

        SqlMapper.HasTypeHandler(typeof(Guid)).Should().BeFalse();
        SqlMapper.HasTypeHandler(typeof(System.Text.Json.JsonElement)).Should().BeFalse();
    }
}
