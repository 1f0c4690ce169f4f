using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// The change log (<c>PortfolioGroupMembership.GetHistoryAsync</c>, its stream and pages) and
/// retention (<c>PruneHistoryAsync</c>) on both databases.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class MembershipHistoryApiTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task Offset_pages_of_the_history_and_of_as_of_lists_hold_every_interval_once_with_the_total()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var ids = Enumerable.Range(0, 5).Select(i => Unique($"P{4 - i}")).ToList();
        await SeedPortfoliosAsync(ids);
        await PortfolioGroup.AddPortfoliosAsync(Store, group.Uid, ids.Select(id => (PortfolioRef)id));
        await PortfolioGroup.RemovePortfolioAsync(Store, group.Uid, ids[0]);
        var history = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group.Uid });
        var now = history.Max(i => i.ValidTo ?? i.ValidFrom);

        var pages = new List<OffsetPage<MembershipInterval>>();
        for (var offset = 0; offset < 6; offset += 2)
        {
            pages.Add(await PortfolioGroupMembership.GetHistoryOffsetPageAsync(Store, new MembershipHistoryFilter { Group = group.UniqueIdentifier }, new OffsetPageRequest { Offset = offset, Limit = 2 }));
        }

        pages.SelectMany(p => p.Items).Should().Equal(history, "the pages follow the order the intervals opened");
        pages.Should().OnlyContain(p => p.TotalCount == 5);
        pages[^1].HasNextPage.Should().BeFalse();
        (await PortfolioGroupMembership.GetHistoryOffsetPageAsync(Store, new MembershipHistoryFilter { Group = group.Uid }, new OffsetPageRequest { Offset = 10, Limit = 2 }))
            .Should().Match<OffsetPage<MembershipInterval>>(p => p.Items.Count == 0 && p.TotalCount == 5, "a page past the end still has the total");

        var asOf = new List<MembershipInterval>();
        for (var offset = 0; offset < 4; offset += 3)
        {
            var page = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, group.UniqueIdentifier, now, new OffsetPageRequest { Offset = offset, Limit = 3 });
            page.TotalCount.Should().Be(4);
            asOf.AddRange(page.Items);
        }

        asOf.Select(i => i.PortfolioUniqueIdentifier).Should().Equal(ids.Skip(1).OrderBy(id => id.ToLowerInvariant(), StringComparer.Ordinal), "ordered by the identifier then, ignoring case");
        (await PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(Store, ids[1], now, null)).Items.Should().ContainSingle().Which.GroupUid.Should().Be(group.Uid);
        (await PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(Store, ids[0], now, null)).TotalCount.Should().Be(0, "it left the group");
        (await PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, Guid.CreateVersion7(), now, null)).TotalCount.Should().Be(0, "an unknown group had no members");
        (await FluentActions.Awaiting(() => PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, group.Uid, now, new OffsetPageRequest { Limit = 0 })).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("page.Limit");
    }

    [Test]
    public async Task The_history_of_a_group_or_a_portfolio_lists_its_intervals_in_the_order_they_opened_and_pages_alike()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var ids = Enumerable.Range(0, 7).Select(i => Unique($"p{i}")).ToList();
        await SeedPortfoliosAsync(ids);
        foreach (var id in ids)
        {
            await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, id);
        }

        await PortfolioGroup.RemovePortfolioAsync(Store, group.Uid, ids[2]);
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, ids[2]);

        var all = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group.UniqueIdentifier });
        all.Select(i => i.PortfolioUniqueIdentifier).Should().Equal([.. ids, ids[2]]);
        all.Count(i => i.ValidTo != null).Should().Be(1);
        all.Should().OnlyContain(i => i.GroupUid == group.Uid && i.GroupUniqueIdentifier == group.UniqueIdentifier);

        var streamed = new List<MembershipInterval>();
        await foreach (var interval in PortfolioGroupMembership.StreamHistoryAsync(Store, new MembershipHistoryFilter { Group = group.Uid }))
        {
            streamed.Add(interval);
        }

        streamed.Should().Equal(all);

        var paged = new List<MembershipInterval>();
        var filter = new MembershipHistoryFilter { Group = group.Uid };
        var page = await PortfolioGroupMembership.GetHistoryPageAsync(Store, filter, PageRequest.First(3));
        paged.AddRange(page.Items);
        while (page.Next is { } next)
        {
            page = await PortfolioGroupMembership.GetHistoryPageAsync(Store, filter, next);
            paged.AddRange(page.Items);
        }

        paged.Should().Equal(all);

        var ofPortfolio = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Portfolio = ids[2] });
        ofPortfolio.Should().HaveCount(2).And.OnlyContain(i => i.PortfolioUniqueIdentifier == ids[2]);
        ofPortfolio[0].ValidTo.Should().NotBeNull().And.BeOnOrBefore(ofPortfolio[1].ValidFrom);
    }

    [Test]
    public async Task A_time_range_selects_the_intervals_in_force_within_it()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var early = await AddPortfolioAsync(Unique("p"));
        var late = await AddPortfolioAsync(Unique("p"));
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, early.Uid);
        await Task.Delay(5); // An interval that opens and closes within one millisecond (SQLite's precision) is in force at no instant.
        await PortfolioGroup.RemovePortfolioAsync(Store, group.Uid, early.Uid);
        var closed = (await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group.Uid })).Single().ValidTo!.Value;
        await Task.Delay(5);
        await PortfolioGroup.AddPortfolioAsync(Store, group.Uid, late.Uid);

        var after = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group.Uid, From = closed });
        after.Select(i => i.PortfolioUid).Should().Equal(late.Uid);
        var before = await PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { Group = group.Uid, To = closed });
        before.Select(i => i.PortfolioUid).Should().Equal(early.Uid);

        var act = () => PortfolioGroupMembership.GetHistoryAsync(Store, new MembershipHistoryFilter { From = closed, To = closed.AddDays(-1) });
        (await act.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("filter.To");
    }

    [Test]
    public async Task A_cursor_of_another_history_listing_is_refused()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        await SeedPortfoliosAsync([.. Enumerable.Range(0, 3).Select(i => Unique($"p{i}"))]);
        await PortfolioGroup.AddPortfoliosAsync(Store, group.Uid, (await Portfolio.FilterAsync(Store)).Take(3).Select(p => (PortfolioRef)p.Uid));
        var page = await PortfolioGroupMembership.GetHistoryPageAsync(Store, new MembershipHistoryFilter { Group = group.Uid }, PageRequest.First(1));

        var act = () => PortfolioGroupMembership.GetHistoryPageAsync(Store, new MembershipHistoryFilter(), page.Next!);

        (await act.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("page.After");
    }

    [Test]
    public async Task Pruning_removes_only_the_intervals_that_ended_before_the_cutoff()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var group = await PortfolioGroup.AddAsync(store, "g", "G");
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 4).Select(i => new PortfolioUpsert($"p{i}")));
        await PortfolioGroup.AddPortfoliosAsync(store, "g", Enumerable.Range(0, 4).Select(i => (PortfolioRef)$"p{i}"));
        await PortfolioGroup.RemovePortfolioAsync(store, "g", "p0");
        var cutoff = (await PortfolioGroupMembership.GetHistoryAsync(store)).Single(i => i.ValidTo != null).ValidTo!.Value.AddMilliseconds(1);
        await Task.Delay(5);
        await PortfolioGroup.RemovePortfolioAsync(store, "g", "p1");
        var current = await PortfolioGroup.GetPortfoliosAsync(store, group.Uid, DateTimeOffset.UtcNow.AddMinutes(1));

        (await PortfolioGroupMembership.PruneHistoryAsync(store, cutoff)).Should().Be(1);

        var left = await PortfolioGroupMembership.GetHistoryAsync(store);
        left.Select(i => i.PortfolioUniqueIdentifier).Should().BeEquivalentTo(["p1", "p2", "p3"]);
        (await PortfolioGroup.GetPortfoliosAsync(store, group.Uid, DateTimeOffset.UtcNow.AddMinutes(1))).Should().Equal(current);
        (await PortfolioGroupMembership.PruneHistoryAsync(store, cutoff)).Should().Be(0);
    }
}
