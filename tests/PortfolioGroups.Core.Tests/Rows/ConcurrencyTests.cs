using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class ConcurrencyTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const int Tasks = 16;

    [Test]
    public async Task Sixteen_tasks_adding_the_same_keys_at_once_end_with_one_row_per_key_and_no_exception()
    {
        var groupId = Unique("race-group");
        var portfolioId = Unique("race-portfolio");
        // In host mode the host has added the portfolio: the race is on the group and the membership.
        var hostPortfolio = IsHostMode ? await AddPortfolioAsync(portfolioId, "Race") : null;

        // Each task has its own store, so each works on connections of its own.
        var stores = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => OpenStoreAsync(ConnectionString, WithFixturePortfolioTable(new PortfolioStoreOptions { MigrateOnOpen = false }))));
        try
        {
            // An async gate, not a Barrier: blocking 16 pool threads on 2 cores starves the pool.
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = stores.Select(store => Task.Run(async () =>
            {
                await start.Task;
                var group = await PortfolioGroup.AddAsync(store, groupId, "Race");
                var portfolio = hostPortfolio ?? await Portfolio.AddAsync(store, portfolioId, "Race");
                var membership = await PortfolioGroup.AddPortfolioAsync(store, groupId, portfolioId);
                return (Group: group.Uid, Portfolio: portfolio.Uid, Membership: membership.Uid);
            })).ToList();
            start.SetResult();
            var results = await Task.WhenAll(running);

            results.Select(r => r.Group).Distinct().Should().ContainSingle();
            results.Select(r => r.Portfolio).Distinct().Should().ContainSingle();
            results.Select(r => r.Membership).Distinct().Should().ContainSingle();
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        await using var connection = await OpenPlainConnectionAsync();
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio_group")} WHERE unique_identifier = @groupId", new { groupId })).Should().Be(1);
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio")} WHERE {PortfolioUniqueIdentifierColumn} = @portfolioId", new { portfolioId })).Should().Be(1);
        (await connection.ExecuteScalarAsync<long>(
            $"SELECT count(*) FROM {Table("portfolio_group_membership")} m JOIN {Table("portfolio_group")} g ON g.uid = m.portfolio_group_uid WHERE g.unique_identifier = @groupId",
            new { groupId })).Should().Be(1);
    }

    [Test]
    public async Task Sixteen_tasks_adding_different_portfolios_to_one_group_all_land()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("fan-in"), "Fan in");
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = Enumerable.Range(0, Tasks).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var portfolio = await AddPortfolioAsync(Unique($"fan-{i}"));
            await group.AddPortfolioAsync(portfolio);
        })).ToList();
        start.SetResult();
        await Task.WhenAll(running);

        (await group.GetPortfoliosAsync()).Should().HaveCount(Tasks);
    }

    [Test]
    public async Task Adding_and_removing_one_pair_from_sixteen_tasks_never_fails_an_add()
    {
        const int CallsPerTask = 1_000;
        var group = await PortfolioGroup.AddAsync(Store, Unique("storm"), "Storm");
        var portfolio = await AddPortfolioAsync(Unique("storm"));
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = Enumerable.Range(0, Tasks).Select(t => Task.Run(async () =>
        {
            await start.Task;
            var failures = new List<Exception>();
            for (var i = 0; i < CallsPerTask; i++)
            {
                try
                {
                    if ((i + t) % 2 == 0)
                    {
                        var membership = await group.AddPortfolioAsync(portfolio);
                        (membership.PortfolioGroupUid, membership.PortfolioUid).Should().Be((group.Uid, portfolio.Uid));
                    }
                    else
                    {
                        await group.RemovePortfolioAsync(portfolio);
                    }
                }
                catch (PortfolioGroupsException ex)
                {
                    failures.Add(ex);
                }
            }

            return failures;
        })).ToList();
        start.SetResult();
        var failures = (await Task.WhenAll(running)).SelectMany(f => f).ToList();

        failures.Select(f => f.Message).Should().BeEmpty("an idempotent add returns the pair's row whatever removes run beside it");
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [group.Uid] })).Count.Should().BeLessThanOrEqualTo(1);
    }
}
