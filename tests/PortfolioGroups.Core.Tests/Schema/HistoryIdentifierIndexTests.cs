using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120201: the membership history is indexed by the unique identifiers it records,
/// so naming a group or portfolio by an identifier it had then is an index lookup; its Down()
/// drops the two indexes and nothing else.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HistoryIdentifierIndexTests(Db db) : DatabaseTest(db)
{
    private const long IndexVersion = 2026120201;
    private const long HistoryVersion = 2026120102;

    private static readonly string[] IndexNames =
        ["ix_portfolio_group_membership_history_group_identifier", "ix_portfolio_group_membership_history_portfolio_identifier"];

    [Test]
    public async Task Migrating_up_adds_the_identifier_indexes_and_down_drops_only_them()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var indexes = await HistoryIndexesAsync(connectionString);
        indexes.Should().Contain(IndexNames.Select(n => (n, "unique_identifier,valid_from")));
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        SchemaModel.PortfolioGroupMembershipHistory.Indexes.Select(i => i.Name).Should().Contain(IndexNames, "the model graph describes them");

        (await store.MigrateDownAsync(HistoryVersion)).Ran.Should().Equal(MigrationTests.AllVersions.Where(v => v > HistoryVersion).Reverse());
        var after = await HistoryIndexesAsync(connectionString);
        after.Select(i => i.Name).Should().BeEquivalentTo(
            ["ix_portfolio_group_membership_history_group", "ix_portfolio_group_membership_history_portfolio", "ix_portfolio_group_membership_history_membership"],
            "the indexes of 2026120102 are back (2026120204's Down), the identifier ones gone");
        (await store.CheckSchemaAsync()).Differences.Should().Contain(d => d.Contains(IndexNames[0], StringComparison.Ordinal), "the model expects the index");

        (await store.MigrateAsync()).Ran.Should().Contain(IndexVersion);
        (await HistoryIndexesAsync(connectionString)).Should().BeEquivalentTo(indexes);
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    [TestCase("group_unique_identifier", "ix_portfolio_group_membership_history_group_identifier")]
    [TestCase("portfolio_unique_identifier", "ix_portfolio_group_membership_history_portfolio_identifier")]
    public async Task A_lookup_by_an_identifier_of_then_uses_the_identifier_index(string column, string index)
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 200).Select(i => new PortfolioUpsert($"p{i}")));
        for (var g = 0; g < 40; g++)
        {
            await PortfolioGroup.AddAsync(store, $"g{g}", $"G{g}");
        }

        await PortfolioGroupMembership.AddManyAsync(store, Enumerable.Range(0, 40).SelectMany(g => Enumerable.Range(0, 50).Select(p => ((PortfolioGroupRef)$"g{g}", (PortfolioRef)$"p{(g * 7 + p) % 200}"))));

        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var table = Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        var value = column == "group_unique_identifier" ? "g3" : "p17";
        string plan;
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync($"ANALYZE {table}");
            plan = string.Join("\n", await connection.QueryAsync<string>(
                $"EXPLAIN SELECT * FROM {table} h WHERE h.{column} = '{value}' AND h.valid_from <= now() AND (h.valid_to IS NULL OR h.valid_to > now())"));
        }
        else
        {
            await connection.ExecuteAsync($"ANALYZE {table}");
            plan = string.Join("\n", (await connection.QueryAsync(
                $"EXPLAIN QUERY PLAN SELECT * FROM {table} h WHERE h.{column} = '{value}' AND h.valid_from <= '9999' AND (h.valid_to IS NULL OR h.valid_to > '9999')"))
                .Select(r => (string)((IDictionary<string, object>)r)["detail"]));
        }

        plan.Should().Contain(index);
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
