using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120201: the membership history is indexed by the unique identifiers it records,
/// so naming a group or portfolio by an identifier it had then is an index lookup; its Down()
/// drops the two indexes and nothing else. Migration 2026120207 drops them again, for a table of the
/// identifiers (<see cref="HistoryIdentifierTableTests"/>).
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HistoryIdentifierIndexTests(Db db) : DatabaseTest(db)
{
    private const long IndexVersion = 2026120201;
    private const long HistoryVersion = 2026120102;
    private const long TableVersion = 2026120207;

    private static readonly string[] IndexNames =
        ["ix_portfolio_group_membership_history_group_identifier", "ix_portfolio_group_membership_history_portfolio_identifier"];

    [Test]
    public async Task Migrating_up_adds_the_identifier_indexes_and_down_drops_only_them_until_2026120207_replaces_them()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        (await HistoryIndexesAsync(connectionString)).Select(i => i.Name).Should().NotContain(IndexNames, "2026120207 replaced them by the identifiers table");
        SchemaModel.PortfolioGroupMembershipHistory.Indexes.Select(i => i.Name).Should().NotContain(IndexNames);

        (await store.MigrateDownAsync(TableVersion - 1)).Ran.Should().Equal(MigrationTests.From(TableVersion).Reverse());
        var indexes = await HistoryIndexesAsync(connectionString);
        indexes.Should().Contain(IndexNames.Select(n => (n, "unique_identifier,valid_from")), "2026120207's Down makes them again");

        (await store.MigrateDownAsync(HistoryVersion)).Ran.Should().Equal(MigrationTests.AllVersions.Where(v => v > HistoryVersion && v < TableVersion).Reverse());
        var after = await HistoryIndexesAsync(connectionString);
        after.Select(i => i.Name).Should().BeEquivalentTo(
            ["ix_portfolio_group_membership_history_group", "ix_portfolio_group_membership_history_portfolio", "ix_portfolio_group_membership_history_membership"],
            "the indexes of 2026120102 are back (2026120204's Down), the identifier ones gone");

        (await store.MigrateAsync()).Ran.Should().Contain(IndexVersion);
        (await HistoryIndexesAsync(connectionString)).Select(i => i.Name).Should().NotContain(IndexNames);
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    /// <summary>The history table's indexes: name, and its columns as "unique_identifier,valid_from" for the identifier ones (the lead column's side dropped), else joined.</summary>
    private async Task<IReadOnlyList<(string Name, string Columns)>> HistoryIndexesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var tables = await PhysicalSchema.ReadAsync(connection, PostgresSchema);
        return [.. tables[SchemaModel.PortfolioGroupMembershipHistory.PhysicalName].Indexes
            .Where(i => !i.Name.StartsWith("pk_", StringComparison.Ordinal) && !i.Name.StartsWith("sqlite_", StringComparison.Ordinal))
            .Select(i => (i.Name, string.Join(",", i.Columns.Select(c => c.Replace("group_", "", StringComparison.Ordinal).Replace("portfolio_", "", StringComparison.Ordinal)))))];
    }
}
