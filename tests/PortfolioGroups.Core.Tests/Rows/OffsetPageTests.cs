using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Offset pages (with their total) of every listing, the union delete of memberships, and the all-or-nothing group delete.</summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class OffsetPageTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task Group_pages_follow_display_name_then_identifier_ignoring_case_and_count_the_whole_listing()
    {
        var tag = Unique("op");
        // Display names out of order and in mixed case; two share a display name.
        var c = await PortfolioGroup.AddAsync(Store, $"{tag}-c", $"{tag} charlie");
        var a = await PortfolioGroup.AddAsync(Store, $"{tag}-a", $"{tag} Alpha");
        var b2 = await PortfolioGroup.AddAsync(Store, $"{tag}-B2", $"{tag} bravo");
        var b1 = await PortfolioGroup.AddAsync(Store, $"{tag}-b1", $"{tag} Bravo");

        var first = await PortfolioGroup.FilterOffsetPageAsync(Store, new PortfolioGroupFilter { Search = $"  {tag.ToUpperInvariant()} " }, new OffsetPageRequest { Limit = 2 });
        first.Items.Select(g => g.Uid).Should().Equal(a.Uid, b1.Uid);
        first.TotalCount.Should().Be(4);
        first.HasNextPage.Should().BeTrue();
        first.HasPreviousPage.Should().BeFalse();

        var second = await PortfolioGroup.FilterOffsetPageAsync(Store, new PortfolioGroupFilter { Search = tag }, new OffsetPageRequest { Offset = 2, Limit = 2 });
        second.Items.Select(g => g.Uid).Should().Equal(b2.Uid, c.Uid);
        second.HasNextPage.Should().BeFalse();
        second.HasPreviousPage.Should().BeTrue();

        var past = await PortfolioGroup.FilterOffsetPageAsync(Store, new PortfolioGroupFilter { Search = tag }, new OffsetPageRequest { Offset = 10, Limit = 2 });
        past.Items.Should().BeEmpty();
        past.TotalCount.Should().Be(4, "a page past the end still counts the listing");

        var byUid = await PortfolioGroup.FilterOffsetPageAsync(Store, new PortfolioGroupFilter { Search = c.Uid.ToString()[^12..].ToUpperInvariant() }, null);
        byUid.Items.Select(g => g.Uid).Should().Equal(c.Uid);
        var blank = await PortfolioGroup.FilterOffsetPageAsync(Store, new PortfolioGroupFilter { Search = "   ", UniqueIdentifiers = [a.UniqueIdentifier] }, null);
        blank.Items.Select(g => g.Uid).Should().Equal(a.Uid);
    }

    [Test]
    public async Task A_groups_portfolios_and_a_portfolios_groups_page_with_their_totals_and_a_missing_parent_is_not_found()
    {
        var tag = Unique("opm");
        var group = await PortfolioGroup.AddAsync(Store, $"{tag}-g", "G");
        var other = await PortfolioGroup.AddAsync(Store, $"{tag}-h", "a group");
        var empty = await PortfolioGroup.AddAsync(Store, $"{tag}-e", "E");
        var pz = await AddPortfolioAsync($"{tag}-Z");
        var pa = await AddPortfolioAsync($"{tag}-a");
        var pm = await AddPortfolioAsync($"{tag}-M");
        await PortfolioGroup.AddPortfoliosAsync(Store, group, [pz, pa, pm]);
        await other.AddPortfolioAsync(pa);

        var page = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, group, new OffsetPageRequest { Offset = 1, Limit = 1 });
        page.Items.Select(p => p.Uid).Should().Equal(pm.Uid);
        page.TotalCount.Should().Be(3);

        var groups = await PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(Store, pa, null);
        groups.Items.Select(g => g.Uid).Should().Equal(other.Uid, group.Uid);
        groups.TotalCount.Should().Be(2);

        var none = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, empty, null);
        none.Items.Should().BeEmpty();
        none.TotalCount.Should().Be(0);

        await FluentActions.Awaiting(() => PortfolioGroup.GetPortfoliosOffsetPageAsync(Store, Guid.NewGuid(), null)).Should().ThrowAsync<RowNotFoundException>();
        await FluentActions.Awaiting(() => PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(Store, Guid.NewGuid(), null)).Should().ThrowAsync<RowNotFoundException>();

        var portfolios = await Portfolio.FilterOffsetPageAsync(Store, new PortfolioFilter { Search = tag, InAnyGroup = [group] }, new OffsetPageRequest { Limit = 2 });
        portfolios.Items.Select(p => p.Uid).Should().Equal(pa.Uid, pm.Uid);
        portfolios.TotalCount.Should().Be(3);
    }

    [Test]
    public async Task Bad_offset_pages_are_refused_naming_the_field()
    {
        (await FluentActions.Awaiting(() => PortfolioGroup.FilterOffsetPageAsync(Store, null, new OffsetPageRequest { Limit = 0 })).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("page.Limit");
        (await FluentActions.Awaiting(() => PortfolioGroup.FilterOffsetPageAsync(Store, null, new OffsetPageRequest { Offset = -1 })).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("page.Offset");
    }

    [Test]
    public async Task The_union_delete_removes_named_memberships_and_the_scopes_in_one_call()
    {
        var tag = Unique("un");
        var g1 = await PortfolioGroup.AddAsync(Store, $"{tag}-g1", "G1");
        var g2 = await PortfolioGroup.AddAsync(Store, $"{tag}-g2", "G2");
        var p1 = await AddPortfolioAsync($"{tag}-p1");
        var p2 = await AddPortfolioAsync($"{tag}-p2");
        var m11 = await g1.AddPortfolioAsync(p1);
        await g1.AddPortfolioAsync(p2);
        var m21 = await g2.AddPortfolioAsync(p1);
        var m22 = await g2.AddPortfolioAsync(p2);

        // m21 by uid, plus g1 ∩ p2; m11 and m22 stay.
        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(Store, [m21.Uid], new PortfolioGroupMembershipScope { Groups = [g1], Portfolios = [p2] });
        deleted.Should().Be(2);
        (await PortfolioGroupMembership.FindAsync(Store, m11.Uid)).Should().NotBeNull();
        (await PortfolioGroupMembership.FindAsync(Store, m22.Uid)).Should().NotBeNull();
        (await PortfolioGroupMembership.FindAsync(Store, m21.Uid)).Should().BeNull();

        (await PortfolioGroupMembership.BulkDeleteAsync(Store, [], null)).Should().Be(0, "naming nothing deletes nothing");
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, [m11.Uid], new PortfolioGroupMembershipScope { Groups = [g2] })).Should().Be(2, "m11 by uid, m22 in g2");
    }

    [Test]
    public async Task The_all_or_nothing_delete_deletes_nothing_when_one_uid_names_no_group()
    {
        var a = await PortfolioGroup.AddAsync(Store, Unique("aon-a"), "A");
        var b = await PortfolioGroup.AddAsync(Store, Unique("aon-b"), "B");
        var p = await AddPortfolioAsync(Unique("aon-p"));
        await a.AddPortfolioAsync(p);
        var missing = Guid.NewGuid();

        var preflight = await PortfolioGroup.PreflightBulkDeleteAsync(Store, [a.Uid, missing, b.Uid, a.Uid]);
        preflight.Should().BeEquivalentTo(new { MatchedCount = 2L, MembershipCount = 1L, Missing = new[] { missing }, DeletedCount = 0L, Allowed = false });

        var blocked = await PortfolioGroup.BulkDeleteAllOrNoneAsync(Store, [a.Uid, missing, b.Uid]);
        blocked.Missing.Should().Equal(missing);
        blocked.DeletedCount.Should().Be(0);
        (await PortfolioGroup.FindAsync(Store, a.Uid)).Should().NotBeNull("nothing is deleted when one uid is missing");
        (await PortfolioGroup.FindAsync(Store, b.Uid)).Should().NotBeNull();

        var done = await PortfolioGroup.BulkDeleteAllOrNoneAsync(Store, [a.Uid, b.Uid]);
        done.Allowed.Should().BeTrue();
        done.DeletedCount.Should().Be(2);
        (await PortfolioGroup.FindAsync(Store, a.Uid)).Should().BeNull();
        (await Portfolio.FindAsync(Store, p.Uid)).Should().NotBeNull();
    }
}
