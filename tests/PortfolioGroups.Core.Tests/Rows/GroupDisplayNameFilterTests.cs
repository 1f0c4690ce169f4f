using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class GroupDisplayNameFilterTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task A_display_name_filter_keeps_groups_with_exactly_that_name_in_pages_and_streams()
    {
        var name = Unique("Shown Name");
        var a = await PortfolioGroup.AddAsync(Store, Unique("dn-a"), name);
        var b = await PortfolioGroup.AddAsync(Store, Unique("dn-b"), name);
        await PortfolioGroup.AddAsync(Store, Unique("dn-c"), name.ToUpperInvariant());
        await PortfolioGroup.AddAsync(Store, Unique("dn-d"), name + " 2");

        var page = await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { DisplayName = name }, PageRequest.First(1));
        var next = await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { DisplayName = name }, page.Next!);
        // Two groups added in one millisecond may list in either order (uid v7 orders by the
        // millisecond only): one per page, both found once.
        page.Items.Should().ContainSingle();
        next.Items.Should().ContainSingle();
        page.Items.Concat(next.Items).Select(g => g.Uid).Should().BeEquivalentTo([a.Uid, b.Uid]);
        next.NextCursor.Should().BeNull();

        var streamed = new List<Guid>();
        await foreach (var group in PortfolioGroup.StreamAsync(Store, new PortfolioGroupFilter { DisplayName = name, UniqueIdentifiers = [b.UniqueIdentifier] }))
        {
            streamed.Add(group.Uid);
        }

        streamed.Should().Equal(b.Uid);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { DisplayName = name, Search = "dn-a" })).Select(g => g.Uid).Should().Equal(a.Uid);
        (await FluentActions.Awaiting(() => PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { DisplayName = "a\0b" })).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("filter.DisplayName");
    }
}
