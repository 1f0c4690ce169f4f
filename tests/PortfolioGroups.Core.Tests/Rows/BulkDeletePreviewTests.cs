using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class BulkDeletePreviewTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task The_preview_counts_what_the_bulk_delete_then_deletes_and_deletes_nothing_itself()
    {
        var a = await PortfolioGroup.AddAsync(Store, Unique("pre-a"), "A");
        var b = await PortfolioGroup.AddAsync(Store, Unique("pre-b"), "B");
        var untouched = await PortfolioGroup.AddAsync(Store, Unique("pre-c"), "C");
        var p1 = await AddPortfolioAsync(Unique("pre-p1"));
        var p2 = await AddPortfolioAsync(Unique("pre-p2"));
        await PortfolioGroup.AddPortfoliosAsync(Store, a, [p1, p2]);
        await PortfolioGroup.AddPortfoliosAsync(Store, b, [p1]);
        await PortfolioGroup.AddPortfoliosAsync(Store, untouched, [p1, p2]);

        // a named twice (uid and identifier), b by identifier, one uid and one identifier naming nothing.
        Guid[] uids = [a.Uid, Guid.NewGuid()];
        string[] identifiers = [a.UniqueIdentifier, b.UniqueIdentifier, Unique("pre-missing")];

        var preview = await PortfolioGroup.PreviewBulkDeleteAsync(Store, uids, identifiers);

        preview.Should().Be(new BulkDeletePreview(GroupCount: 2, MembershipCount: 3));
        (await PortfolioGroup.FindAsync(Store, a.Uid)).Should().NotBeNull("the preview deletes nothing");
        (await PortfolioGroup.CountPortfoliosAsync(Store, [a, b])).Values.Sum().Should().Be(3);

        var deleted = await PortfolioGroup.BulkDeleteAsync(Store, uids, identifiers);
        deleted.Should().Be((int)preview.GroupCount);
        (await PortfolioGroup.CountPortfoliosAsync(Store, [untouched]))[untouched.Uid].Should().Be(2);
    }

    [Test]
    public async Task A_preview_by_uids_alone_counts_the_groups_memberships()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("pre-u"), "U");
        var portfolio = await AddPortfolioAsync(Unique("pre-up"));
        await group.AddPortfolioAsync(portfolio);

        (await PortfolioGroup.PreviewBulkDeleteAsync(Store, uids: [group.Uid])).Should().Be(new BulkDeletePreview(1, 1));
        (await PortfolioGroup.PreviewBulkDeleteAsync(Store, uniqueIdentifiers: [group.UniqueIdentifier])).Should().Be(new BulkDeletePreview(1, 1));
    }

    [Test]
    public async Task Empty_lists_count_nothing_and_naming_nothing_is_refused()
    {
        await PortfolioGroup.AddAsync(Store, Unique("pre-e"), "E");

        (await PortfolioGroup.PreviewBulkDeleteAsync(Store, uids: [], uniqueIdentifiers: [])).Should().Be(new BulkDeletePreview(0, 0));
        (await FluentActions.Awaiting(() => PortfolioGroup.PreviewBulkDeleteAsync(Store)).Should().ThrowAsync<InvalidValueException>())
            .Which.Message.Should().Contain("everything");
        (await FluentActions.Awaiting(() => PortfolioGroup.PreviewBulkDeleteAsync(Store, uniqueIdentifiers: ["  "])).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().StartWith("uniqueIdentifiers");
    }
}
