using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Member counts per group, and the groups of many portfolios, each in one query.</summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class GroupCountTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task Counts_are_per_named_group_and_a_group_without_members_counts_zero()
    {
        var marker = Unique("cnt");
        var (groups, portfolios) = await SeedAsync(marker, groupCount: 3, portfolioCount: 5);
        foreach (var portfolio in portfolios)
        {
            await PortfolioGroup.AddPortfolioAsync(Store, groups[0], portfolio);
        }

        await PortfolioGroup.AddPortfolioAsync(Store, groups[1], portfolios[2]);

        var counts = await PortfolioGroup.CountPortfoliosAsync(Store, [groups[0], $"{marker}-g1", PortfolioGroupRef.ByUid(groups[2])]);

        counts.Should().BeEquivalentTo(new Dictionary<Guid, long> { [groups[0]] = 5, [groups[1]] = 1, [groups[2]] = 0 });
    }

    [Test]
    public async Task Without_groups_every_group_is_counted()
    {
        var marker = Unique("cnt-all");
        var (groups, portfolios) = await SeedAsync(marker, groupCount: 2, portfolioCount: 3);
        await PortfolioGroup.AddPortfolioAsync(Store, groups[1], portfolios[0]);
        await PortfolioGroup.AddPortfolioAsync(Store, groups[1], portfolios[1]);

        var counts = await PortfolioGroup.CountPortfoliosAsync(Store);
        var groupTotal = 0;
        await foreach (var _ in PortfolioGroup.StreamAsync(Store))
        {
            groupTotal++;
        }

        counts.Should().HaveCount(groupTotal);
        counts[groups[0]].Should().Be(0);
        counts[groups[1]].Should().Be(2);
        (await PortfolioGroup.CountPortfoliosAsync(Store, [])).Should().BeEmpty();
    }

    [Test]
    public async Task Unknown_groups_are_listed_in_one_error()
    {
        var (groups, _) = await SeedAsync(Unique("cnt-unknown"), groupCount: 1, portfolioCount: 0);
        var unknown = Enumerable.Range(0, 7).Select(i => Unique($"nope{i}")).ToList();

        var error = (await FluentActions.Awaiting(() => PortfolioGroup.CountPortfoliosAsync(Store, [groups[0], .. unknown.Select(u => (PortfolioGroupRef)u)]))
            .Should().ThrowAsync<RowNotFoundException>()).Which;
        var one = (await FluentActions.Awaiting(() => PortfolioGroup.CountPortfoliosAsync(Store, [PortfolioGroupRef.ByUid(Guid.CreateVersion7())]))
            .Should().ThrowAsync<RowNotFoundException>()).Which;

        error.Table.Should().Be("PortfolioGroup");
        error.KeyName.Should().Be("unique_identifier");
        error.KeyValue.Should().Contain(unknown[0]).And.Contain("7 missing references").And.NotContain(unknown[6]);
        error.Message.Should().Be(
            $"No PortfolioGroup row has unique_identifier {string.Join(", ", unknown.Take(4).Select(u => $"'{u}'"))} or '{unknown[4]}'; 2 more are not listed (7 missing references in all).");
        one.KeyName.Should().Be("uid");
        one.Message.Should().Be($"No PortfolioGroup row has uid '{one.KeyValue}'.");
    }

    [Test]
    public async Task The_groups_of_forty_thousand_portfolios_are_read_in_one_query()
    {
        var marker = Unique("gfp");
        await using var connection = await OpenPlainConnectionAsync();
        var portfolioIds = Enumerable.Range(0, 40_000).Select(i => $"{marker}-p{i}").ToArray();
        var portfolios = await SeedPortfoliosAsync(portfolioIds);
        var groups = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [.. Enumerable.Range(0, 3).Select(i => $"{marker}-g{i}")]);
        // Portfolio i is in group g when bit g of i % 8 is set: 0 has none, 7 has all three.
        var pairs = Enumerable.Range(0, portfolios.Length)
            .SelectMany(i => Enumerable.Range(0, 3).Where(g => ((i % 8) & (1 << g)) != 0).Select(g => (groups[g], portfolios[i])))
            .ToList();
        await Seed.MembershipsAsync(connection, Db, Table("portfolio_group_membership"), pairs);

        // Half named by uid, half by unique identifier.
        var refs = portfolios.Select((uid, i) => i % 2 == 0 ? PortfolioRef.ByUid(uid) : PortfolioRef.ByUniqueIdentifier(portfolioIds[i])).ToList();
        using var counter = new CommandCounter();
        IReadOnlyDictionary<Guid, IReadOnlyList<PortfolioGroup>> result = null!;
        var commands = await counter.RecordAsync(async () => result = await PortfolioGroup.GetGroupsForPortfoliosAsync(Store, refs));

        commands.Should().HaveCount(1, "40,000 portfolios are one command, however many rows");
        result.Should().HaveCount(40_000);
        result[portfolios[0]].Should().BeEmpty();
        result[portfolios[8]].Should().BeEmpty();
        result[portfolios[5]].Select(g => g.Uid).Should().Equal(new[] { groups[0], groups[2] }.Order());
        result[portfolios[39_999]].Select(g => g.Uid).Should().Equal(groups.Order()).And.HaveCount(3);
        result.Sum(r => r.Value.Count).Should().Be(pairs.Count);
        result[portfolios[7]][0].Store.Should().BeSameAs(Store);
    }

    [Test]
    public async Task The_members_of_forty_thousand_named_groups_are_counted_in_one_query()
    {
        var marker = Unique("cnt-big");
        await using var connection = await OpenPlainConnectionAsync();
        var groupIds = Enumerable.Range(0, 40_000).Select(i => $"{marker}-g{i}").ToArray();
        var groups = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), groupIds);
        var portfolios = await SeedPortfoliosAsync([.. Enumerable.Range(0, 3).Select(i => $"{marker}-p{i}")]);
        // Group i has i % 4 members (at most the three portfolios): 0, 1, 2, 3, 0, ...
        var pairs = Enumerable.Range(0, groups.Length).SelectMany(i => portfolios.Take(i % 4).Select(p => (groups[i], p))).ToList();
        await Seed.MembershipsAsync(connection, Db, Table("portfolio_group_membership"), pairs);
        var refs = groups.Select((uid, i) => i % 2 == 0 ? PortfolioGroupRef.ByUid(uid) : PortfolioGroupRef.ByUniqueIdentifier(groupIds[i])).ToList();

        using var counter = new CommandCounter();
        IReadOnlyDictionary<Guid, long> counts = null!;
        var commands = await counter.RecordAsync(async () => counts = await PortfolioGroup.CountPortfoliosAsync(Store, refs));

        commands.Should().HaveCount(1, "40,000 groups are one command, however many rows");
        counts.Should().HaveCount(40_000);
        counts.Values.Sum().Should().Be(pairs.Count);
        counts[groups[0]].Should().Be(0);
        counts[groups[39_999]].Should().Be(3);
    }

    [Test]
    public async Task Unknown_portfolios_are_listed_in_one_error_and_null_is_refused()
    {
        var (_, portfolios) = await SeedAsync(Unique("gfp-unknown"), groupCount: 0, portfolioCount: 1);
        var missing = Unique("missing");

        var error = (await FluentActions.Awaiting(() => PortfolioGroup.GetGroupsForPortfoliosAsync(Store, [portfolios[0], missing]))
            .Should().ThrowAsync<RowNotFoundException>()).Which;
        var nullError = (await FluentActions.Awaiting(() => PortfolioGroup.GetGroupsForPortfoliosAsync(Store, null!))
            .Should().ThrowAsync<ArgumentNullException>()).Which;

        (error.Table, error.KeyName, error.KeyValue).Should().Be(("Portfolio", "unique_identifier", missing));
        nullError.ParamName.Should().Be("portfolios");
        (await PortfolioGroup.GetGroupsForPortfoliosAsync(Store, [portfolios[0]]))[portfolios[0]].Should().BeEmpty();
    }

    private async Task<(Guid[] Groups, Guid[] Portfolios)> SeedAsync(string marker, int groupCount, int portfolioCount)
    {
        await using var connection = await OpenPlainConnectionAsync();
        var groups = groupCount == 0 ? [] : await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [.. Enumerable.Range(0, groupCount).Select(i => $"{marker}-g{i}")]);
        var portfolios = portfolioCount == 0 ? [] : await SeedPortfoliosAsync([.. Enumerable.Range(0, portfolioCount).Select(i => $"{marker}-p{i}")]);
        return (groups, portfolios);
    }
}
