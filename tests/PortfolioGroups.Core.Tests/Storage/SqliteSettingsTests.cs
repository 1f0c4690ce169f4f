using System.Data.Common;
using PortfolioGroups.Storage;

using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Storage;

/// <summary>
/// The SQLite per-connection settings of <see cref="PortfolioStoreOptions"/>: in effect on every
/// connection the library opens (read back with PRAGMA on the library's own connections, on real
/// files), and refused when out of range.
/// </summary>
public sealed class SqliteSettingsTests : TempFolderTest
{
    [Test]
    public async Task By_default_commits_wait_for_the_disk_and_the_cache_is_sqlites_own()
    {
        await using var database = await OpenDatabaseAsync(new PortfolioStoreOptions());

        var settings = await ReadSettingsAsync(database);

        settings.Synchronous.Should().Be(2, "FULL is 2: a returned call has written durably");
        settings.CacheSize.Should().Be(-2000, "SQLite's default cache is 2,000 KiB");
    }

    [Test]
    public async Task The_chosen_settings_are_in_effect_on_every_connection_the_library_opens()
    {
        var options = new PortfolioStoreOptions { SqliteSynchronous = SqliteSynchronousMode.Normal, SqliteCacheSizeKiB = 131_072 };
        await using var database = await OpenDatabaseAsync(options);

        // Three connections open at once, so none of them is a pooled one reused: each was set up.
        var first = await database.OpenAsync(CancellationToken.None);
        var second = await database.OpenAsync(CancellationToken.None);
        await using (first)
        await using (second)
        {
            foreach (var connection in new[] { first, second })
            {
                (await ScalarAsync(connection, "PRAGMA synchronous")).Should().Be(1, "NORMAL is 1");
                (await ScalarAsync(connection, "PRAGMA cache_size")).Should().Be(-131_072, "a negative cache_size is KiB");
            }

            var settings = await ReadSettingsAsync(database);
            settings.Should().Be((1L, -131_072L));
        }
    }

    [Test]
    public async Task A_store_opened_with_the_settings_works_and_keeps_its_data_across_stores()
    {
        var connectionString = $"Data Source={Path.Combine(Folder, "store.db")}";
        var options = new PortfolioStoreOptions { SqliteSynchronous = SqliteSynchronousMode.Normal, SqliteCacheSizeKiB = 65_536 };
        await using (var store = await PortfolioStore.OpenSqliteAsync(connectionString, options))
        {
            var group = await PortfolioGroup.AddAsync(store, "g", "G");
            await group.AddPortfolioAsync(await Portfolio.AddAsync(store, "p"));
        }

        await using var again = await PortfolioStore.OpenSqliteAsync(connectionString);
        (await PortfolioGroup.GetPortfoliosAsync(again, "g")).Select(p => p.UniqueIdentifier).Should().Equal("p");
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(int.MinValue)]
    [TestCase(PortfolioStoreOptions.MaxSqliteCacheSizeKiB + 1)]
    public async Task A_cache_size_out_of_range_is_refused_naming_the_field(int cacheKiB)
    {
        var open = () => PortfolioStore.OpenSqliteAsync(
            $"Data Source={Path.Combine(Folder, "bad-cache.db")}",
            new PortfolioStoreOptions { SqliteCacheSizeKiB = cacheKiB });

        var error = (await open.Should().ThrowAsync<InvalidValueException>()).Which;
        error.Field.Should().Be(nameof(PortfolioStoreOptions.SqliteCacheSizeKiB));
        error.Message.Should().Contain(cacheKiB.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.Exists(Path.Combine(Folder, "bad-cache.db")).Should().BeFalse("a refused option opens nothing");
    }

    [TestCase(-1)]
    [TestCase(2)]
    [TestCase(3)]
    public async Task A_synchronous_mode_that_is_not_defined_is_refused_naming_the_field(int mode)
    {
        var open = () => PortfolioStore.OpenSqliteAsync(
            $"Data Source={Path.Combine(Folder, "bad-sync.db")}",
            new PortfolioStoreOptions { SqliteSynchronous = (SqliteSynchronousMode)mode });

        (await open.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be(nameof(PortfolioStoreOptions.SqliteSynchronous));
    }

    [Test]
    public async Task The_largest_cache_size_is_accepted()
    {
        await using var database = await OpenDatabaseAsync(new PortfolioStoreOptions { SqliteCacheSizeKiB = PortfolioStoreOptions.MaxSqliteCacheSizeKiB });

        (await ReadSettingsAsync(database)).CacheSize.Should().Be(-PortfolioStoreOptions.MaxSqliteCacheSizeKiB);
    }

    private Task<SqliteDatabase> OpenDatabaseAsync(PortfolioStoreOptions options) =>
        SqliteDatabase.OpenAsync($"Data Source={Path.Combine(Folder, Guid.NewGuid().ToString("N") + ".db")}", options, CancellationToken.None);

    /// <summary>Reads synchronous and cache_size on a connection of the library's data source, through the command path every store operation takes.</summary>
    private static Task<(long Synchronous, long CacheSize)> ReadSettingsAsync(SqliteDatabase database) =>
        database.RunAsync(
            "test.settings",
            ErrorContext.Read,
            async connection => (await ScalarAsync(connection, "PRAGMA synchronous"), await ScalarAsync(connection, "PRAGMA cache_size")),
            CancellationToken.None);

    private static async Task<long> ScalarAsync(DbConnection connection, string pragma)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = pragma;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
