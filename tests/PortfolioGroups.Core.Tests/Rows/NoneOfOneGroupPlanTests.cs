using Dapper;
using PortfolioGroups.Repositories;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// A page of the portfolios in none of one group, on PostgreSQL: the library's statement merges the
/// portfolios in uid order with the group's range of the (group, portfolio) index, which is in
/// portfolio order already, and keeps those the range misses. Written as <c>NOT EXISTS</c>,
/// PostgreSQL merged with the portfolio index instead and read every membership of every portfolio
/// up to the page's end. A later page starts the range after the cursor, so it is not read again.
/// </summary>
[TestFixture(Db.Postgres)]
public sealed class NoneOfOneGroupPlanTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task A_page_of_none_of_one_group_merges_with_the_groups_index_range_from_the_cursor_without_a_sort()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await using var connection = await OpenPlainConnectionAsync(connectionString);

        // 20,000 portfolios, each in one of 100 small groups; the group "none-big" holds every
        // fourth portfolio (5,000 members). The test server commits without waiting for the WAL,
        // and VACUUM marks no page all-visible before the commit is flushed: this session waits.
        await connection.ExecuteAsync(
            "SET synchronous_commit = on; "
            + $"INSERT INTO {Table("portfolio")} (uid, unique_identifier) SELECT gen_random_uuid(), 'p-' || i FROM generate_series(0, 19999) i; "
            + $"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name) SELECT gen_random_uuid(), 'g-' || i, 'g-' || i FROM generate_series(0, 99) i; "
            + $"INSERT INTO {Table("portfolio_group")} (uid, unique_identifier, display_name) VALUES (gen_random_uuid(), 'none-big', 'none-big'); "
            + $"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) "
            + $"SELECT gen_random_uuid(), g.uid, p.uid FROM (SELECT uid, row_number() OVER (ORDER BY uid) AS n FROM {Table("portfolio")}) p "
            + $"JOIN {Table("portfolio_group")} g ON g.unique_identifier = 'g-' || (p.n % 100); "
            + $"INSERT INTO {Table("portfolio_group_membership")} (uid, portfolio_group_uid, portfolio_uid) "
            + $"SELECT gen_random_uuid(), (SELECT uid FROM {Table("portfolio_group")} WHERE unique_identifier = 'none-big'), p.uid "
            + $"FROM (SELECT uid, row_number() OVER (ORDER BY uid) AS n FROM {Table("portfolio")}) p WHERE p.n % 4 = 0");

        // Vacuumed, as autovacuum leaves a table: the index range is read from the index alone.
        await connection.ExecuteAsync($"VACUUM ANALYZE {Table("portfolio")}, {Table("portfolio_group")}, {Table("portfolio_group_membership")}");
        var group = await connection.ExecuteScalarAsync<Guid>($"SELECT uid FROM {Table("portfolio_group")} WHERE unique_identifier = 'none-big'");
        var after = await connection.ExecuteScalarAsync<Guid>($"SELECT uid FROM {Table("portfolio")} ORDER BY uid OFFSET 5000 LIMIT 1");

        var database = store.Database;
        var repository = new PortfolioRepository(database);
        var (from, joined) = Selection.FilterFrom(database, KeySet.NotGiven, database.Portfolio, "p");
        foreach (var (name, none) in new[] { ("by uid", new KeySet([group], null)), ("by identifier", new KeySet(null, ["none-big"])) })
        {
            var groups = new GroupConditions(KeySet.NotGiven, KeySet.NotGiven, none);
            foreach (var cursor in new Guid?[] { null, after })
            {
                var page = new PageQuery(1_000, cursor, new Listing(ListingKind.Portfolios, 0));
                var sql = repository.FilterSql(from, joined, null, KeySet.NotGiven, groups, page, smallNone: false);
                var parameters = Selection.PortfolioFilterParameters(database, KeySet.NotGiven, null, groups, page);
                var plan = string.Join("\n", await connection.QueryAsync<string>(
                    "EXPLAIN " + sql,
                    new { noneUids = parameters.NoneUids, noneIds = parameters.NoneIds, after = parameters.After, limit = parameters.Limit }));
                var read = $"{name}, {(cursor is null ? "first page" : "after a cursor")}";

                plan.Should().Contain("Merge Anti Join", $"{read}: {plan}");
                plan.Should().Contain("ux_portfolio_group_membership_pair", $"{read}: {plan}");
                plan.Should().NotContain("ix_portfolio_group_membership_portfolio", $"{read}: {plan}");
                plan.Should().NotMatchRegex(@"(^|->)\s*Sort\b", $"{read}: {plan}");
                if (cursor is not null)
                {
                    plan.Should().MatchRegex(@"Index Cond: \(\(portfolio_group_uid = [^\n]*\) AND \(portfolio_uid > ", $"{read}: the range starts after the cursor: {plan}");
                }
            }
        }

        // The page itself: the first 1,000 portfolios outside the group, in uid order.
        var expected = (await connection.QueryAsync<Guid>(
            $"SELECT p.uid FROM {Table("portfolio")} p WHERE NOT EXISTS (SELECT 1 FROM {Table("portfolio_group_membership")} m "
            + "WHERE m.portfolio_uid = p.uid AND m.portfolio_group_uid = @group) ORDER BY p.uid LIMIT 1000",
            new { group })).ToList();
        var first = await Portfolio.FilterPageAsync(store, new PortfolioFilter { NotInGroups = [group] }, PageRequest.First(1_000));
        first.Items.Select(p => p.Uid).Should().Equal(expected);
    }
}
