using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

[TestFixture(Db.Sqlite, null, PortfolioMode.Library)]
[TestFixture(Db.Postgres, null, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, null, PortfolioMode.Library)]
[TestFixture(Db.Postgres, "portfolio_data", PortfolioMode.Library)]
[TestFixture(Db.Sqlite, null, PortfolioMode.Host)]
[TestFixture(Db.Postgres, null, PortfolioMode.Host)]
public sealed class PortfolioGroupMembershipTests(Db db, string? postgresSchema, PortfolioMode portfolioMode) : DatabaseTest(db, postgresSchema, portfolioMode)
{
    [Test]
    public async Task Creating_an_existing_pair_is_a_duplicate_key_error_while_add_returns_the_existing_membership()
    {
        var (groups, portfolios) = await SeedAsync(1, 1);
        var created = await PortfolioGroupMembership.CreateAsync(Store, groups[0], portfolios[0]);

        var error = (await FluentActions.Awaiting(() => PortfolioGroupMembership.CreateAsync(Store, groups[0].UniqueIdentifier, portfolios[0].UniqueIdentifier)).Should().ThrowAsync<DuplicateKeyException>()).Which;
        var added = await PortfolioGroupMembership.AddAsync(Store, groups[0].Uid, portfolios[0].Uid);

        error.Table.Should().Be("PortfolioGroupMembership");
        added.Should().Be(created);
        (created.PortfolioGroupUid, created.PortfolioUid).Should().Be((groups[0].Uid, portfolios[0].Uid));
        (await PortfolioGroupMembership.GetAsync(Store, created.Uid)).Should().Be(created);
    }

    [Test]
    public async Task A_membership_can_be_moved_and_deleted_by_uid_without_touching_either_side()
    {
        var (groups, portfolios) = await SeedAsync(2, 2);
        var membership = await PortfolioGroupMembership.AddAsync(Store, groups[0], portfolios[0]);

        var moved = await PortfolioGroupMembership.UpdateAsync(Store, membership.Uid, new PortfolioGroupMembershipChanges { Group = groups[1].UniqueIdentifier });
        var movedAgain = await PortfolioGroupMembership.UpdateAsync(Store, membership.Uid, new PortfolioGroupMembershipChanges { Portfolio = portfolios[1] });

        (moved.Uid, moved.PortfolioGroupUid, moved.PortfolioUid).Should().Be((membership.Uid, groups[1].Uid, portfolios[0].Uid));
        (movedAgain.PortfolioGroupUid, movedAgain.PortfolioUid).Should().Be((groups[1].Uid, portfolios[1].Uid));
        (await movedAgain.DeleteAsync()).Should().BeTrue();
        (await PortfolioGroupMembership.DeleteAsync(Store, membership.Uid)).Should().BeFalse();
        (await PortfolioGroupMembership.FindAsync(Store, membership.Uid)).Should().BeNull();
        (await PortfolioGroup.GetAsync(Store, groups[1].Uid)).Should().Be(groups[1]);
        (await Portfolio.GetAsync(Store, portfolios[1].Uid)).Should().Be(portfolios[1]);
    }

    [Test]
    public async Task Moving_onto_an_existing_pair_names_both_sides_of_the_pair()
    {
        var (groups, portfolios) = await SeedAsync(1, 2);
        var first = await PortfolioGroupMembership.AddAsync(Store, groups[0], portfolios[0]);
        await PortfolioGroupMembership.AddAsync(Store, groups[0], portfolios[1]);

        var error = (await FluentActions.Awaiting(() => PortfolioGroupMembership.UpdateAsync(Store, first.Uid, new PortfolioGroupMembershipChanges { Portfolio = portfolios[1].Uid }))
            .Should().ThrowAsync<DuplicateKeyException>()).Which;

        (error.Table, error.KeyName).Should().Be(("PortfolioGroupMembership", "(portfolio_group_uid, portfolio_uid)"));
        error.KeyValue!.Split(", ").Should().HaveCount(2).And.OnlyContain(side => side.Length > 0, "each side of the pair is named, the unchanged one too");
        error.KeyValue.Should().EndWith(portfolios[1].Uid.ToString());
    }

    [Test]
    public async Task Moving_onto_an_existing_pair_or_a_missing_group_fails_and_changes_nothing()
    {
        var (groups, portfolios) = await SeedAsync(2, 1);
        var first = await PortfolioGroupMembership.AddAsync(Store, groups[0], portfolios[0]);
        await PortfolioGroupMembership.AddAsync(Store, groups[1], portfolios[0]);

        await FluentActions.Awaiting(() => PortfolioGroupMembership.UpdateAsync(Store, first.Uid, new PortfolioGroupMembershipChanges { Group = groups[1] }))
            .Should().ThrowAsync<DuplicateKeyException>();
        (await FluentActions.Awaiting(() => PortfolioGroupMembership.UpdateAsync(Store, first.Uid, new PortfolioGroupMembershipChanges { Group = Unique("nowhere") }))
            .Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("PortfolioGroup");
        (await FluentActions.Awaiting(() => PortfolioGroupMembership.UpdateAsync(Store, Guid.NewGuid(), new PortfolioGroupMembershipChanges { Group = groups[0] }))
            .Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("PortfolioGroupMembership");

        (await PortfolioGroupMembership.GetAsync(Store, first.Uid)).Should().Be(first);
    }

    [Test]
    public async Task Filters_select_by_group_and_portfolio_uids_and_identifiers_in_any_combination()
    {
        var (groups, portfolios) = await SeedAsync(2, 3);
        var m = new Dictionary<(int, int), PortfolioGroupMembership>();
        foreach (var (g, p) in new[] { (0, 0), (0, 1), (1, 1), (1, 2) })
        {
            m[(g, p)] = await PortfolioGroupMembership.AddAsync(Store, groups[g], portfolios[p]);
        }

        async Task<IEnumerable<Guid>> Select(PortfolioGroupMembershipFilter filter) =>
            (await PortfolioGroupMembership.FilterAsync(Store, filter)).Select(x => x.Uid);

        (await Select(new() { GroupUids = [groups[0].Uid] })).Should().BeEquivalentTo([m[(0, 0)].Uid, m[(0, 1)].Uid]);
        (await Select(new() { GroupUniqueIdentifiers = [groups[1].UniqueIdentifier] })).Should().BeEquivalentTo([m[(1, 1)].Uid, m[(1, 2)].Uid]);
        (await Select(new() { PortfolioUids = [portfolios[1].Uid] })).Should().BeEquivalentTo([m[(0, 1)].Uid, m[(1, 1)].Uid]);
        (await Select(new() { PortfolioUniqueIdentifiers = [portfolios[2].UniqueIdentifier, portfolios[0].UniqueIdentifier] })).Should().BeEquivalentTo([m[(0, 0)].Uid, m[(1, 2)].Uid]);
        (await Select(new() { GroupUids = [groups[0].Uid], GroupUniqueIdentifiers = [groups[1].UniqueIdentifier], PortfolioUniqueIdentifiers = [portfolios[1].UniqueIdentifier] }))
            .Should().BeEquivalentTo([m[(0, 1)].Uid, m[(1, 1)].Uid]);
        (await Select(new() { GroupUniqueIdentifiers = [groups[1].UniqueIdentifier], PortfolioUids = [portfolios[0].Uid] })).Should().BeEmpty();
        (await Select(new() { GroupUids = [] })).Should().BeEmpty();
    }

    [Test]
    public async Task Bulk_delete_by_uids_deletes_exactly_those_memberships()
    {
        var (groups, portfolios) = await SeedAsync(1, 3);
        var memberships = new List<PortfolioGroupMembership>();
        foreach (var p in portfolios)
        {
            memberships.Add(await groups[0].AddPortfolioAsync(p));
        }

        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(Store, [memberships[0].Uid, memberships[2].Uid, Guid.NewGuid(), memberships[0].Uid]);

        deleted.Should().Be(2);
        (await groups[0].GetPortfoliosAsync()).Select(p => p.Uid).Should().Equal(portfolios[1].Uid);
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, [])).Should().Be(0);
    }

    [Test]
    public async Task Bulk_delete_by_scope_removes_every_matching_membership_beyond_5000_in_one_statement()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var marker = Unique("scope");
        var groupUids = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [$"{marker}-g0", $"{marker}-g1"]);
        var portfolioUids = await SeedPortfoliosAsync([.. Enumerable.Range(0, 5_200).Select(i => $"{marker}-p{i}")]);
        await Seed.MembershipsAsync(connection, Db, Table("portfolio_group_membership"), [.. portfolioUids.Select(p => (groupUids[0], p)), (groupUids[1], portfolioUids[0])]);

        using var counter = new CommandCounter();
        var deleted = 0;
        var commands = await counter.RecordAsync(async () =>
            deleted = await PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope { Groups = [$"{marker}-g0"] }));

        deleted.Should().Be(5_200);
        commands.Should().HaveCount(1);
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio")} WHERE {PortfolioUniqueIdentifierColumn} LIKE @m", new { m = marker + "-p%" })).Should().Be(5_200);
        (await PortfolioGroup.GetPortfoliosAsync(Store, groupUids[0])).Should().BeEmpty();
        (await PortfolioGroup.GetPortfoliosAsync(Store, groupUids[1])).Select(p => p.Uid).Should().Equal(portfolioUids[0]);
    }

    [Test]
    public async Task Bulk_delete_by_scope_intersects_groups_and_portfolios_named_any_way()
    {
        var (groups, portfolios) = await SeedAsync(2, 2);
        foreach (var g in groups)
        {
            foreach (var p in portfolios)
            {
                await g.AddPortfolioAsync(p);
            }
        }

        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope
        {
            Groups = [groups[0], groups[1].UniqueIdentifier],
            Portfolios = [portfolios[0].Uid],
        });

        deleted.Should().Be(2);
        (await portfolios[0].GetGroupsAsync()).Should().BeEmpty();
        (await portfolios[1].GetGroupsAsync()).Should().HaveCount(2);
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope { Portfolios = [portfolios[1].UniqueIdentifier] })).Should().Be(2);
    }

    [Test]
    public async Task A_scope_that_names_nothing_is_refused_and_never_deletes_everything()
    {
        var (groups, portfolios) = await SeedAsync(1, 1);
        await groups[0].AddPortfolioAsync(portfolios[0]);

        (await FluentActions.Awaiting(() => PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope())).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("scope");
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope { Groups = [] })).Should().Be(0);
        (await PortfolioGroupMembership.BulkDeleteAsync(Store, new PortfolioGroupMembershipScope { Groups = [groups[0]], Portfolios = [] })).Should().Be(0);
        (await groups[0].GetPortfoliosAsync()).Should().HaveCount(1);
    }

    [Test]
    public async Task Bulk_delete_and_filter_of_memberships_naming_40000_uids_work()
    {
        var (groups, portfolios) = await SeedAsync(1, 2);
        var kept = await groups[0].AddPortfolioAsync(portfolios[0]);
        var doomed = await groups[0].AddPortfolioAsync(portfolios[1]);
        var uids = Enumerable.Range(0, 39_999).Select(_ => Guid.NewGuid()).Append(doomed.Uid).ToArray();

        var found = await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { PortfolioUids = [.. uids, portfolios[0].Uid] });
        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(Store, uids);

        found.Select(m => m.Uid).Should().BeEquivalentTo([kept.Uid]);
        deleted.Should().Be(1);
        (await PortfolioGroupMembership.FindAsync(Store, kept.Uid)).Should().NotBeNull();
    }

    private async Task<(PortfolioGroup[] Groups, Portfolio[] Portfolios)> SeedAsync(int groupCount, int portfolioCount)
    {
        var groups = new PortfolioGroup[groupCount];
        for (var i = 0; i < groupCount; i++)
        {
            groups[i] = await PortfolioGroup.AddAsync(Store, Unique($"g{i}"), $"Group {i}");
        }

        var portfolios = new Portfolio[portfolioCount];
        for (var i = 0; i < portfolioCount; i++)
        {
            portfolios[i] = await AddPortfolioAsync(Unique($"p{i}"));
        }

        return (groups, portfolios);
    }
}
