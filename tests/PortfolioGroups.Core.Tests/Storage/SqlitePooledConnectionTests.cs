using System.Data.Common;
using Microsoft.Data.Sqlite;
using PortfolioGroups.Storage;

using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// SQLite's per-connection set-up (the search function, busy timeout, synchronous, cache size) runs
/// once per physical connection of Microsoft.Data.Sqlite's pool, not once per call; a pooled
/// connection reused later still has foreign keys on and the search function, on real files.
/// </summary>
public sealed class SqlitePooledConnectionTests : TempFolderTest
{
    [Test]
    public async Task Many_calls_in_a_row_set_up_one_physical_connection_once()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(Folder, "once.db")}");
        var database = (SqliteDatabase)store.Database;
        await Portfolio.AddAsync(store, "p");
        var before = database.ConnectionSetUps;

        for (var i = 0; i < 200; i++)
        {
            (await Portfolio.FindAsync(store, "p")).Should().NotBeNull();
        }

        database.ConnectionSetUps.Should().Be(before, "each call reused the pooled connection, already set up");
        before.Should().BeGreaterThan(0, "the first connection was set up");
    }

    [Test]
    public async Task A_reused_pooled_connection_has_foreign_keys_on_and_the_search_function()
    {
        var options = new PortfolioStoreOptions { SqliteSynchronous = SqliteSynchronousMode.Normal, SqliteCacheSizeKiB = 4096 };
        await using var database = await SqliteDatabase.OpenAsync($"Data Source={Path.Combine(Folder, "reuse.db")}", options, CancellationToken.None);

        SQLitePCL.sqlite3 first;
        var connection = (SqliteConnection)await database.OpenAsync(CancellationToken.None);
        await using (connection)
        {
            first = connection.Handle!;

            // Whatever a caller did to the connection before it went back to the pool.
            await ExecuteAsync(connection, "PRAGMA foreign_keys = OFF");
        }

        var setUps = database.ConnectionSetUps;
        var again = (SqliteConnection)await database.OpenAsync(CancellationToken.None);
        await using (again)
        {
            again.Handle.Should().BeSameAs(first, "the pool handed back the same physical connection");
            database.ConnectionSetUps.Should().Be(setUps, "it was not set up again");
            (await ScalarAsync(again, "PRAGMA foreign_keys")).Should().Be(1L, "the driver applies Foreign Keys=True on every open");
            (await ScalarAsync(again, $"SELECT {SqliteDatabase.ContainsFunction}('Alpha Beta', 'a b')")).Should().Be(1L);
            (await ScalarAsync(again, $"SELECT {SqliteDatabase.ContainsFunction}('Alpha', 'z')")).Should().Be(0L);
            (await ScalarAsync(again, "PRAGMA synchronous")).Should().Be(1L, "NORMAL is 1, kept on the physical connection");
            (await ScalarAsync(again, "PRAGMA cache_size")).Should().Be(-4096L);
            (await ScalarAsync(again, "PRAGMA busy_timeout")).Should().BeGreaterThan(0L);
        }
    }

    [Test]
    public async Task Deletes_cascade_and_search_finds_rows_through_calls_on_reused_connections()
    {
        await using var store = await PortfolioStore.OpenSqliteAsync($"Data Source={Path.Combine(Folder, "cascade.db")}");
        var database = (SqliteDatabase)store.Database;
        var group = await PortfolioGroup.AddAsync(store, "g", "Alpha Group");
        await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "p"));
        var setUps = database.ConnectionSetUps;

        (await PortfolioGroup.FilterAsync(store, new PortfolioGroupFilter { Search = "HA GR" })).Select(g => g.UniqueIdentifier).Should().Equal("g");
        await group.DeleteAsync();

        (await PortfolioGroup.GetGroupsForPortfolioAsync(store, "p")).Should().BeEmpty("the membership went with its group: foreign keys were on");
        (await Portfolio.FindAsync(store, "p")).Should().NotBeNull();
        database.ConnectionSetUps.Should().Be(setUps, "every call ran on the pooled connection set up before");
    }

    [Test]
    public async Task A_store_with_other_settings_on_the_same_pool_sets_the_connection_up_again()
    {
        var path = Path.Combine(Folder, "two.db");
        await using var full = await SqliteDatabase.OpenAsync($"Data Source={path}", new PortfolioStoreOptions(), CancellationToken.None);
        await using var normal = await SqliteDatabase.OpenAsync($"Data Source={path}", new PortfolioStoreOptions { SqliteSynchronous = SqliteSynchronousMode.Normal }, CancellationToken.None);

        (await ReadAsync(full, "PRAGMA synchronous")).Should().Be(2L);
        (await ReadAsync(normal, "PRAGMA synchronous")).Should().Be(1L, "the shared pooled connection was set up for this store's settings");
        (await ReadAsync(full, "PRAGMA synchronous")).Should().Be(2L);
    }

    private static async Task<long> ReadAsync(SqliteDatabase database, string sql)
    {
        var connection = await database.OpenAsync(CancellationToken.None);
        await using (connection)
        {
            return await ScalarAsync(connection, sql);
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long> ScalarAsync(DbConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
