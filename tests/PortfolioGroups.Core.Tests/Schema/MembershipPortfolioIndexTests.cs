using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120209: the membership's portfolio index holds the group too, so a read of a
/// portfolio's memberships that needs their groups reads the index alone: a portfolio's groups,
/// and on PostgreSQL the anti-join of "in none of" a group, which fetched each membership's row to
/// test its group. Down() makes the index on the portfolio alone again, the rows untouched.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class MembershipPortfolioIndexTests(Db db) : DatabaseTest(db)
{
    private const long Version = 2026120209;

    private const string Index = "ix_portfolio_group_membership_portfolio";

    [Test]
    public async Task Migrating_up_adds_the_group_to_the_portfolio_index_and_down_takes_it_out()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await SeedAsync(store);
        var membershipCount = await MembershipCountAsync(connectionString);
        (await IndexColumnsAsync(connectionString)).Should().Be("portfolio_uid,portfolio_group_uid");
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();

        (await store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(Version);
        (await IndexColumnsAsync(connectionString)).Should().Be("portfolio_uid");
        (await store.CheckSchemaAsync()).Differences.Should().Contain(d => d.Contains(Index, StringComparison.Ordinal), "the model expects the group in the index");
        (await MembershipCountAsync(connectionString)).Should().Be(membershipCount);

        (await store.MigrateAsync()).Ran.Should().Equal(Version);
        (await IndexColumnsAsync(connectionString)).Should().Be("portfolio_uid,portfolio_group_uid");
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
        (await MembershipCountAsync(connectionString)).Should().Be(membershipCount);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(store, "p7")).Select(g => g.UniqueIdentifier).Should().BeEquivalentTo(["g0", "g8"]);
    }

    /// <summary>
    /// A portfolio's groups are read from the index alone: SQLite's plan says a covering index;
    /// PostgreSQL's (vacuumed, so the visibility map lets it skip the table; sequential and bitmap
    /// scans, hash joins and sorts priced out) an index-only scan of it; and the anti-join of a page
    /// of the portfolios in none of a group (the library's statement shape) fetches no membership row.
    /// </summary>
    [Test]
    public async Task A_portfolios_memberships_give_their_groups_from_the_index_alone()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await SeedAsync(store);
        var portfolio = (await Portfolio.GetAsync(store, "p7"))!;
        var group = (await PortfolioGroup.GetAsync(store, "g3"))!;
        var membership = Table(SchemaModel.PortfolioGroupMembership.PhysicalName);
        var portfolios = Table(SchemaModel.Portfolio.PhysicalName);
        var (p, g) = Db == Db.Postgres ? ($"'{portfolio.Uid}'::uuid", $"'{group.Uid}'::uuid") : ($"'{portfolio.Uid}'", $"'{group.Uid}'");
        var lookup = $"SELECT m.portfolio_group_uid FROM {membership} m WHERE m.portfolio_uid = {p}";
        var none = $"SELECT p.uid FROM {portfolios} p WHERE NOT EXISTS (SELECT 1 FROM {membership} m WHERE m.portfolio_uid = p.uid AND m.portfolio_group_uid IN ({g})) ORDER BY p.uid LIMIT 100";

        await using var connection = await OpenPlainConnectionAsync(connectionString);
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync($"VACUUM ANALYZE {membership}");
            await connection.ExecuteAsync($"VACUUM ANALYZE {portfolios}");
            await connection.ExecuteAsync("SET enable_seqscan = off; SET enable_bitmapscan = off; SET enable_hashjoin = off; SET enable_sort = off");
            var lookupPlan = string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + lookup));
            lookupPlan.Should().Contain($"Index Only Scan using {Index} on portfolio_group_membership", lookupPlan);

            // The anti-join may take either index (the pair index looks each portfolio up by group
            // and portfolio); neither fetches a membership row.
            var nonePlan = string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + none));
            nonePlan.Should().Contain("Index Only Scan using", nonePlan);
            nonePlan.Should().NotMatchRegex(@"(?<!Only )Index Scan using \w+ on portfolio_group_membership", $"no membership row is fetched: {nonePlan}");
        }
        else
        {
            var plan = string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + lookup)).Select(r => (string)((IDictionary<string, object>)r)["detail"]));
            plan.Should().Contain($"COVERING INDEX {Index}", plan);
        }
    }

    /// <summary>300 portfolios in g0; each also in one of g1-g9 (p7 in g8).</summary>
    private static async Task SeedAsync(PortfolioStore store)
    {
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 300).Select(i => new PortfolioUpsert($"p{i}")));
        for (var i = 0; i < 10; i++)
        {
            await PortfolioGroup.AddAsync(store, $"g{i}", "G");
        }

        await PortfolioGroupMembership.AddManyAsync(store, Enumerable.Range(0, 300).SelectMany(p => new[]
        {
            ((PortfolioGroupRef)"g0", (PortfolioRef)$"p{p}"),
            ((PortfolioGroupRef)$"g{1 + (p % 9)}", (PortfolioRef)$"p{p}"),
        }));
    }

    private async Task<long> MembershipCountAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table(SchemaModel.PortfolioGroupMembership.PhysicalName)}");
    }

    private async Task<string> IndexColumnsAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var tables = await PhysicalSchema.ReadAsync(connection, PostgresSchema);
        return string.Join(",", tables[SchemaModel.PortfolioGroupMembership.PhysicalName].Indexes.Single(i => i.Name == Index).Columns);
    }
}
