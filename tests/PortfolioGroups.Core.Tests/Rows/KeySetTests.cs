using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// Key sets of every size name each row once: none, one, repeats (by uid, and by reference named
/// both ways), and more uids than a statement may have parameters (over 65,535), as one parameter.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class KeySetTests(Db db) : DatabaseTest(db)
{
    private const int OverParameterLimit = 70_000;

    [Test]
    public async Task A_filter_by_uids_returns_each_named_row_once_whatever_the_set_size_and_repeats()
    {
        var tag = Unique("ks-f");
        var a = await PortfolioGroup.AddAsync(Store, $"{tag}-a", "A");
        var b = await PortfolioGroup.AddAsync(Store, $"{tag}-b", "B");
        var missing = Guid.NewGuid();

        async Task<Guid[]> Filter(IReadOnlyCollection<Guid> uids) =>
            [.. (await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Uids = uids }, PageRequest.First(100))).Items.Select(g => g.Uid)];

        (await Filter([])).Should().BeEmpty("an empty set names no group");
        (await Filter([b.Uid])).Should().Equal(b.Uid);
        (await Filter([a.Uid, missing, b.Uid, a.Uid, b.Uid])).Should().BeEquivalentTo([a.Uid, b.Uid], "a uid named twice is one group");
        (await Filter(new List<Guid> { b.Uid, b.Uid })).Should().Equal(b.Uid);

        var many = Enumerable.Range(0, OverParameterLimit).Select(_ => Guid.NewGuid()).ToArray();
        many[12_345] = a.Uid;
        many[OverParameterLimit - 1] = b.Uid;
        many[40_000] = a.Uid;
        (await Filter(many)).Should().BeEquivalentTo([a.Uid, b.Uid]);
        many.Count(u => u == a.Uid).Should().Be(2, "the caller's array is left as given");
    }

    [Test]
    public async Task An_empty_uid_anywhere_in_a_large_set_is_refused_naming_the_field()
    {
        var many = Enumerable.Range(0, OverParameterLimit).Select(_ => Guid.NewGuid()).ToArray();
        many[^1] = Guid.Empty;

        var act = () => PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Uids = many }, PageRequest.First(10));

        (await act.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("filter.Uids");
    }

    [Test]
    public async Task The_preflight_of_a_large_set_lists_each_missing_uid_once_in_the_order_given()
    {
        var tag = Unique("ks-p");
        var a = await PortfolioGroup.AddAsync(Store, $"{tag}-a", "A");
        var p = await AddPortfolioAsync($"{tag}-p");
        await a.AddPortfolioAsync(p);
        var absent = Enumerable.Range(0, OverParameterLimit).Select(_ => Guid.NewGuid()).ToArray();
        Guid[] named = [absent[0], a.Uid, .. absent, a.Uid, absent[1]];

        var preflight = await PortfolioGroup.PreflightBulkDeleteAsync(Store, named);

        preflight.MatchedCount.Should().Be(1);
        preflight.MembershipCount.Should().Be(1);
        preflight.Missing.Should().Equal(absent, "each missing uid once, where it was first named");
    }

    [Test]
    public async Task A_scope_naming_a_portfolio_twice_and_both_ways_deletes_its_memberships_once()
    {
        var tag = Unique("ks-s");
        var g1 = await PortfolioGroup.AddAsync(Store, $"{tag}-g1", "G1");
        var g2 = await PortfolioGroup.AddAsync(Store, $"{tag}-g2", "G2");
        var p = await AddPortfolioAsync($"{tag}-p");
        var other = await AddPortfolioAsync($"{tag}-o");
        await g1.AddPortfolioAsync(p);
        await g2.AddPortfolioAsync(p);
        await g1.AddPortfolioAsync(other);

        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(
            Store,
            new PortfolioGroupMembershipScope { Portfolios = [p.Uid, p.Uid, p.UniqueIdentifier, Guid.NewGuid()] });

        deleted.Should().Be(2);
        (await PortfolioGroup.GetGroupsForPortfoliosAsync(Store, [other.Uid]))[other.Uid].Select(g => g.Uid).Should().Equal(g1.Uid);
    }
}
