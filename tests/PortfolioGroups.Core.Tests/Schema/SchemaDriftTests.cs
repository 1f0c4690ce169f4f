using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>The drift check (PortfolioStore.CheckSchemaAsync, `portfolio-groups schema check`) against real databases.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class SchemaDriftTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_migrated_database_has_no_drift()
    {
        var result = await Store.CheckSchemaAsync();

        result.Differences.Should().BeEmpty();
        result.HasDrift.Should().BeFalse();
    }

    [Test]
    public async Task A_dropped_index_and_an_added_column_are_reported_by_name()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await connection.ExecuteAsync($"DROP INDEX {(Db == Db.Postgres ? "\"public\"." : "")}\"ux_portfolio_unique_identifier\"");
            await connection.ExecuteAsync($"ALTER TABLE {Table("portfolio_group")} ADD COLUMN portfolio_group_owner TEXT");
        }

        var result = await store.CheckSchemaAsync();

        result.HasDrift.Should().BeTrue();
        result.Differences.Should().HaveCount(2);
        result.Differences.Should().Contain(d => d.StartsWith("portfolio: the index unique ux_portfolio_unique_identifier (unique_identifier) is missing", StringComparison.Ordinal));
        result.Differences.Should().Contain(d => d.StartsWith("portfolio_group.portfolio_group_owner: a column the model does not have", StringComparison.Ordinal));
    }

    [Test]
    public async Task A_dropped_rule_is_reported_by_name()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            // On SQLite the metadata depth rule is two triggers; one of them gone is the rule gone.
            await connection.ExecuteAsync(Db == Db.Postgres
                ? $"ALTER TABLE {Table("portfolio_group")} DROP CONSTRAINT ck_portfolio_group_metadata_json_depth"
                : "DROP TRIGGER ck_portfolio_group_metadata_json_depth_on_update");
        }

        var result = await store.CheckSchemaAsync();

        result.Differences.Should().Equal("portfolio_group: the rule ck_portfolio_group_metadata_json_depth is missing.");
        await store.MigrateDownAsync(2026112902);
        (await store.CheckSchemaAsync()).Differences.Should().Equal(
            "portfolio_group_membership_history: the table is missing.",
            "portfolio_group_deletion_history: the table is missing.",
            "portfolio_group_membership_history_identifier: the table is missing.",
            "portfolio_group: the rule ck_portfolio_group_metadata_json_depth is missing.",
            "portfolio_group: the rule portfolio_group_deletion_history_on_delete is missing.",
            "portfolio_group_membership: the rule portfolio_group_membership_history_on_insert is missing.",
            "portfolio_group_membership: the rule portfolio_group_membership_history_on_delete is missing.",
            "portfolio_group_membership: the rule portfolio_group_membership_history_on_update is missing.",
            "portfolio_group_membership: the rule portfolio_group_membership_history_identifier_on_update is missing.");
        await store.MigrateAsync();
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    [Test]
    public async Task A_dropped_history_trigger_is_reported_by_name()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await using (var connection = await OpenPlainConnectionAsync(connectionString))
        {
            await connection.ExecuteAsync(Db == Db.Postgres
                ? $"DROP TRIGGER portfolio_group_membership_history_on_delete ON {Table("portfolio_group_membership")}"
                : "DROP TRIGGER portfolio_group_membership_history_on_delete");
        }

        (await store.CheckSchemaAsync()).Differences.Should().Equal("portfolio_group_membership: the rule portfolio_group_membership_history_on_delete is missing.");
    }
}
