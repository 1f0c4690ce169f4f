namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// AddManyAsync with every pair named by uid: the pairs go from the input straight into the
/// membership table, and the foreign keys find a missing row. The same answers as pairs named by
/// unique identifier (which are resolved first).
/// </summary>
public sealed partial class BulkWriteTests
{
    [Test]
    public async Task AddMany_by_uid_with_unknown_groups_and_portfolios_writes_nothing_and_lists_them()
    {
        var groups = await GroupsAsync("uid-unknown", 2);
        var ghostGroup = Guid.CreateVersion7();
        var ghostPortfolios = Enumerable.Range(0, 6).Select(_ => Guid.CreateVersion7()).ToArray();
        // 40,000 good pairs; the unknown uids spread through them, one of them named twice.
        var pairs = _portfolioUids.Take(40_000).Select(p => ((PortfolioGroupRef)groups[0].Uid, (PortfolioRef)p)).ToList();
        for (var i = 0; i < ghostPortfolios.Length; i++)
        {
            pairs.Insert(i * 6_000, (groups[1].Uid, ghostPortfolios[i]));
        }

        pairs.Insert(20_000, (ghostGroup, _portfolioUids[0]));
        pairs.Add((groups[1].Uid, ghostPortfolios[2]));

        var add = () => PortfolioGroupMembership.AddManyAsync(Store, pairs);

        var error = (await add.Should().ThrowAsync<RowNotFoundException>()).Which;
        error.Table.Should().Be("PortfolioGroup or Portfolio");
        error.KeyName.Should().Be("uid");
        var listed = ghostPortfolios.Select(u => u.ToString("D")).Order(StringComparer.Ordinal).Take(4).Select(u => "Portfolio " + u);
        error.KeyValue.Should().Be($"PortfolioGroup {ghostGroup:D}, {string.Join(", ", listed)} and 2 more: 7 missing references");
        (await MembersAsync(groups[0].Uid)).Should().Be(0, "nothing is written when a reference is missing");
        (await MembersAsync(groups[1].Uid)).Should().Be(0);
    }

    [Test]
    public async Task AddMany_by_uid_counts_present_pairs_and_duplicates_in_the_input_once()
    {
        var groups = await GroupsAsync("uid-dups", 2);
        await PortfolioGroupMembership.AddManyAsync(Store, [(groups[0].Uid, _portfolioUids[0]), (groups[0].Uid, _portfolioUids[1])]);
        var g0 = groups[0].Uid;
        var g1 = groups[1].Uid;

        // (g0, 0) and (g0, 1) are present; (g0, 2) is named three times, (g1, 0) twice.
        (PortfolioGroupRef, PortfolioRef)[] pairs =
        [
            (g0, _portfolioUids[0]), (g0, _portfolioUids[2]), (g1, _portfolioUids[0]), (g0, _portfolioUids[2]),
            (g0, _portfolioUids[1]), (g1, _portfolioUids[0]), (g0, _portfolioUids[2]), (g0, _portfolioUids[0]),
        ];

        var result = await PortfolioGroupMembership.AddManyAsync(Store, pairs);
        var again = await PortfolioGroupMembership.AddManyAsync(Store, pairs);

        result.Should().Be(new BulkAddResult(Added: 2, AlreadyPresent: 2));
        again.Should().Be(new BulkAddResult(Added: 0, AlreadyPresent: 4));
        (await MembersAsync(g0)).Should().Be(3);
        (await MembersAsync(g1)).Should().Be(1);
    }

    [Test]
    public async Task AddMany_by_uid_without_repeats_counts_present_and_new_pairs_exactly()
    {
        var group = (await GroupsAsync("uid-present", 1))[0];
        var first = _portfolioUids.Take(40_000).Select(p => ((PortfolioGroupRef)group.Uid, (PortfolioRef)p)).ToList();
        await PortfolioGroupMembership.AddManyAsync(Store, first);
        // The same 40,000 again, and 20,000 more: no pair is named twice in this input.
        var second = _portfolioUids.Take(60_000).Select(p => ((PortfolioGroupRef)group.Uid, (PortfolioRef)p));

        var result = await PortfolioGroupMembership.AddManyAsync(Store, second);
        var again = await PortfolioGroupMembership.AddManyAsync(Store, first);

        result.Should().Be(new BulkAddResult(Added: 20_000, AlreadyPresent: 40_000));
        again.Should().Be(new BulkAddResult(Added: 0, AlreadyPresent: 40_000));
        (await MembersAsync(group.Uid)).Should().Be(60_000);
    }

    [Test]
    public async Task AddPortfolios_by_uid_with_an_unknown_portfolio_writes_nothing_and_names_it()
    {
        var group = (await GroupsAsync("uid-add-unknown", 1))[0];
        var ghost = Guid.CreateVersion7();
        var portfolios = _portfolioUids.Take(40_000).Select(p => (PortfolioRef)p).Append(ghost);

        var add = () => group.AddPortfoliosAsync(portfolios);

        var error = (await add.Should().ThrowAsync<RowNotFoundException>()).Which;
        error.Table.Should().Be("Portfolio");
        error.KeyName.Should().Be("uid");
        error.KeyValue.Should().Be(ghost.ToString("D"));
        (await MembersAsync(group.Uid)).Should().Be(0);
        // The transaction went back clean: the next call works.
        (await group.AddPortfoliosAsync([_portfolioUids[0]])).Should().Be(new BulkAddResult(1, 0));
    }
}
