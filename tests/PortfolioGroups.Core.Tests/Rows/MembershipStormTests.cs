using System.Collections.Concurrent;
using System.Diagnostics;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// Sixteen tasks adding, removing and deleting on a few pairs at once, each on a store of its own:
/// an add fails only when its group or portfolio is missing (<see cref="RowNotFoundException"/>),
/// never because a membership was deleted beside it.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class MembershipStormTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const int Tasks = 16;

    // PORTFOLIOGROUPS_STORM_CALLS raises the calls per task for a measurement run (docs/reliability.md).
    private static readonly int CallsPerTask = int.TryParse(Environment.GetEnvironmentVariable("PORTFOLIOGROUPS_STORM_CALLS"), out var calls) ? calls : 400;

    [Test]
    public async Task Adds_beside_removes_and_deletes_of_memberships_never_fail()
    {
        var outcomes = await StormAsync(deleteRows: false);

        outcomes.Where(o => o.Key != "ok").Should().BeEmpty("only a missing group or portfolio may fail an add, and none is deleted here");
    }

    [Test]
    public async Task Adds_beside_deletes_and_recreations_of_their_group_and_portfolio_fail_only_as_not_found()
    {
        var outcomes = await StormAsync(deleteRows: true);

        outcomes.Keys.Should().BeSubsetOf(["ok", "add:RowNotFoundException"], $"an add fails only when its group or portfolio is missing as it runs ({Db})");
        outcomes["ok"].Should().BeGreaterThan(0);
    }

    /// <summary>
    /// Runs the storm on 2 groups x 2 portfolios (so calls collide); returns how many calls ended
    /// each way: "ok", or the call and the exception's type.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, int>> StormAsync(bool deleteRows)
    {
        var prefix = Unique("storm");
        string[] groups = [prefix + "-g0", prefix + "-g1"];
        string[] portfolios = [prefix + "-p0", prefix + "-p1"];
        foreach (var g in groups)
        {
            await PortfolioGroup.AddAsync(Store, g, "Storm");
        }

        foreach (var p in portfolios)
        {
            await AddPortfolioAsync(p);
        }

        var stores = await Task.WhenAll(Enumerable.Range(0, Tasks).Select(_ => OpenStoreAsync(ConnectionString, WithFixturePortfolioTable(new PortfolioStoreOptions { MigrateOnOpen = false }))));
        var outcomes = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var watch = Stopwatch.StartNew();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = stores.Select((store, t) => Task.Run(async () =>
            {
                await start.Task;
                var random = new Random(t);
                for (var i = 0; i < CallsPerTask; i++)
                {
                    var group = groups[random.Next(groups.Length)];
                    var portfolio = portfolios[random.Next(portfolios.Length)];
                    var roll = random.Next(100);
                    var call = roll switch
                    {
                        < 50 => "add",
                        < 70 => "remove",
                        < 85 => "delete-membership",
                        < 90 => "bulk-delete-memberships",
                        _ => deleteRows ? "delete-row" : "add",
                    };
                    try
                    {
                        switch (call)
                        {
                            case "add":
                                var added = await PortfolioGroup.AddPortfolioAsync(store, group, portfolio);
                                added.PortfolioGroupUid.Should().NotBeEmpty();
                                break;
                            case "remove":
                                await PortfolioGroup.RemovePortfolioAsync(store, group, portfolio);
                                break;
                            case "delete-membership":
                                if (await PortfolioGroupMembership.FilterPageAsync(store, new PortfolioGroupMembershipFilter { GroupUniqueIdentifiers = [group] }, PageRequest.First(1)) is { Items.Count: > 0 } page)
                                {
                                    await PortfolioGroupMembership.DeleteAsync(store, page.Items[0].Uid);
                                }

                                break;
                            case "bulk-delete-memberships":
                                await PortfolioGroupMembership.BulkDeleteAsync(store, new PortfolioGroupMembershipScope { Portfolios = [portfolio] });
                                break;
                            default:
                                // Delete a group or a portfolio and put it back at once.
                                if (random.Next(2) == 0)
                                {
                                    await PortfolioGroup.DeleteAsync(store, group);
                                    await PortfolioGroup.AddAsync(store, group, "Storm");
                                }
                                else
                                {
                                    await ReplacePortfolioAsync(store, portfolio);
                                }

                                break;
                        }

                        outcomes.AddOrUpdate("ok", 1, (_, n) => n + 1);
                    }
                    catch (PortfolioGroupsException ex)
                    {
                        outcomes.AddOrUpdate($"{call}:{ex.GetType().Name}", 1, (_, n) => n + 1);
                        if (ex.GetType() == typeof(PortfolioGroupsException))
                        {
                            TestContext.Out.WriteLine($"{call}: {ex.Message}");
                        }
                    }
                }
            })).ToList();
            start.SetResult();
            await Task.WhenAll(running);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }

        TestContext.Out.WriteLine(
            $"{Db}, {Tasks} tasks x {CallsPerTask} calls in {watch.Elapsed.TotalSeconds:0.0} s: "
            + string.Join(", ", outcomes.OrderBy(o => o.Key, StringComparer.Ordinal).Select(o => $"{o.Key} {o.Value}")));
        return outcomes;
    }
}
