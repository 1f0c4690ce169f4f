using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120203: on PostgreSQL the history table leaves half of each page free, so closing
/// an interval is a heap-only update; down puts the table's default back. SQLite has nothing to change.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HistoryFillFactorTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task The_history_table_has_fill_factor_50_on_postgres_and_down_resets_it()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);

        (await store.GetMigrationStatusAsync()).CurrentVersion.Should().Be(MigrationTests.AllVersions[^1]);
        if (Db == Db.Sqlite)
        {
            (await store.MigrateDownAsync(2026120202)).Ran.Should().Equal(Above(2026120202).Reverse());
            (await store.MigrateAsync()).Ran.Should().Equal(Above(2026120202));
            (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
            return;
        }

        (await OptionsAsync(connectionString)).Should().Equal("fillfactor=50");
        (await store.MigrateDownAsync(2026120202)).Ran.Should().Equal(Above(2026120202).Reverse());
        (await OptionsAsync(connectionString)).Should().BeEmpty();
        (await store.MigrateAsync()).Ran.Should().Equal(Above(2026120202));
        (await OptionsAsync(connectionString)).Should().Equal("fillfactor=50");
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    private static IEnumerable<long> Above(long version) => MigrationTests.AllVersions.Where(v => v > version);

    private async Task<string[]> OptionsAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var options = await connection.ExecuteScalarAsync<string?>(
            "SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = CAST('portfolio_group_membership_history' AS regclass)");
        return options is null ? [] : options.Split(',');
    }
}
