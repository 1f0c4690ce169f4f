using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>Set queries on portfolios: in all / any / none of groups, with the other filter conditions, paged and streamed.</summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed partial class SetQueryTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const int PortfolioCount = 300;
    private const int GroupCount = 8;

    private readonly Random _random = new(20261201);
    private string _marker = "";
    private Guid[] _portfolios = [];
    private string[] _portfolioIds = [];
    private Guid[] _groups = [];
    private string[] _groupIds = [];
    private HashSet<(int Group, int Portfolio)> _pairs = [];

    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        _marker = Unique("sq");
        _portfolioIds = [.. Enumerable.Range(0, PortfolioCount).Select(i => $"{_marker}-p{i}")];
        _groupIds = [.. Enumerable.Range(0, GroupCount).Select(i => $"{_marker}-g{i}")];
        await using var connection = await OpenPlainConnectionAsync();
        _portfolios = await SeedPortfoliosAsync(_portfolioIds);
        _groups = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), _groupIds);

        // Portfolios 0-127 are in the groups 0-6 their bits name, so any k of those groups share
        // 2^(7-k) of them: "in all of" many groups selects someone. Then a few hundred random
        // memberships; group 7 stays empty, group 0 is large.
        for (var p = 0; p < 128; p++)
        {
            _pairs.UnionWith(Enumerable.Range(0, 7).Where(g => (p >> g & 1) == 1).Select(g => (g, p)));
        }

        while (_pairs.Count < 900)
        {
            var group = _random.Next(10) < 3 ? 0 : _random.Next(1, GroupCount - 1);
            _pairs.Add((group, _random.Next(PortfolioCount)));
        }

        await Seed.MembershipsAsync(connection, Db, Table("portfolio_group_membership"), [.. _pairs.Select(p => (_groups[p.Group], _portfolios[p.Portfolio]))]);
    }

    [Test]
    public async Task In_all_any_and_none_of_groups_match_an_in_memory_expectation_paged_and_streamed()
    {
        for (var round = 0; round < 25; round++)
        {
            var all = RandomGroups(0, 3);
            var any = RandomGroups(0, 3);
            var none = RandomGroups(0, 2);
            var search = round % 3 == 0 ? "1" : null;
            var filter = new PortfolioFilter
            {
                UniqueIdentifiers = _portfolioIds,
                Search = search,
                InAllGroups = all is null ? null : [.. all.Select(Ref)],
                InAnyGroup = any is null ? null : [.. any.Select(Ref)],
                NotInGroups = none is null ? null : [.. none.Select(Ref)],
            };

            var expected = Enumerable.Range(0, PortfolioCount)
                .Where(p => all is null || all.All(g => _pairs.Contains((g, p))))
                .Where(p => any is null || any.Any(g => _pairs.Contains((g, p))))
                .Where(p => none is null || !none.Any(g => _pairs.Contains((g, p))))
                .Where(p => search is null || _portfolioIds[p].Contains(search, StringComparison.Ordinal))
                .Select(p => _portfolios[p])
                .Order()
                .ToList();

            var because = $"round {round}: all [{Show(all)}], any [{Show(any)}], none [{Show(none)}], search {search}";
            (await AllPagesAsync(filter, pageSize: 17)).Should().Equal(expected, because);
            (await Portfolio.StreamAsync(Store, filter).Select(p => p.Uid).ToListAsync()).Should().Equal(expected, because);
        }
    }

    [Test]
    public async Task In_all_any_and_none_of_groups_without_named_portfolios_match_an_in_memory_expectation_paged_and_streamed()
    {
        // No portfolio named: the group conditions alone drive the statement. Other fixtures'
        // portfolios are in none of this fixture's groups, so only "in none of" alone selects them;
        // the result is read in uid order, each portfolio once, and compared on this fixture's.
        var ours = _portfolios.ToHashSet();
        for (var round = 0; round < 25; round++)
        {
            var all = RandomGroups(0, 3);
            var any = RandomGroups(0, 3);
            var none = RandomGroups(0, 2);
            var twice = round % 4 == 1;
            var filter = new PortfolioFilter
            {
                InAllGroups = all is null ? null : [.. all.Concat(twice ? all.Take(1) : []).Select(Ref)],
                InAnyGroup = any is null ? null : [.. any.Concat(twice ? any.Take(1) : []).Select(Ref)],
                NotInGroups = none is null ? null : [.. none.Select(Ref)],
            };

            var expected = Enumerable.Range(0, PortfolioCount)
                .Where(p => all is null || all.All(g => _pairs.Contains((g, p))))
                .Where(p => any is null || any.Any(g => _pairs.Contains((g, p))))
                .Where(p => none is null || !none.Any(g => _pairs.Contains((g, p))))
                .Select(p => _portfolios[p])
                .Order()
                .ToList();

            var because = $"round {round}: all [{Show(all)}], any [{Show(any)}], none [{Show(none)}], twice {twice}";
            var onlyNone = (all is null || all.Length == 0) && any is null;
            var paged = await AllPagesAsync(filter, pageSize: onlyNone ? 5_000 : 17);
            paged.Should().BeInAscendingOrder(because).And.OnlyHaveUniqueItems(because);
            paged.Where(ours.Contains).Should().Equal(expected, because);
            if (!onlyNone)
            {
                paged.Should().HaveCount(expected.Count, because);
            }

            var streamed = await Portfolio.StreamAsync(Store, filter).Select(p => p.Uid).ToListAsync();
            streamed.Should().Equal(paged, because);
        }
    }

    [Test]
    public async Task In_none_of_groups_alone_pages_alike_whether_its_groups_hold_fewer_members_than_a_page_or_more()
    {
        // On SQLite the plan follows the groups' size against the page (NOT IN below a quarter of
        // it, a merge of the index ranges from there up); the page sizes meet both, by uid and by
        // identifier.
        // The search keeps the pages to this fixture's portfolios without naming them.
        var large = Members(0).Count;
        large.Should().BeGreaterThan(100, "group 0 is the large one");
        foreach (var (groups, pageSize) in new[] { (new[] { 0 }, 17), (new[] { 0 }, (4 * large) + 1), (new[] { 0, 7 }, 4 * large), (new[] { 7 }, 3), (new[] { 3, 5 }, 5_000) })
        {
            var expected = Enumerable.Range(0, PortfolioCount).Where(p => !groups.Any(g => _pairs.Contains((g, p)))).Select(p => _portfolios[p]).Order().ToList();
            foreach (var byIdentifier in new[] { false, true })
            {
                var filter = new PortfolioFilter
                {
                    Search = _marker,
                    NotInGroups = [.. groups.Select(g => byIdentifier ? (PortfolioGroupRef)_groupIds[g] : _groups[g])],
                };
                var because = $"none of [{string.Join(",", groups)}], pages of {pageSize}, by identifier {byIdentifier}";
                (await AllPagesAsync(filter, pageSize)).Should().Equal(expected, because);
                (await Portfolio.StreamAsync(Store, filter).Select(p => p.Uid).ToListAsync()).Should().Equal(expected, because);
            }
        }
    }

    [Test]
    public async Task Group_conditions_combine_with_uids()
    {
        var chosen = _portfolios.Take(100).ToArray();
        var filter = new PortfolioFilter { Uids = chosen, InAnyGroup = [_groups[0]] };

        var expected = Enumerable.Range(0, 100).Where(p => _pairs.Contains((0, p))).Select(p => _portfolios[p]).Order().ToList();

        expected.Should().NotBeEmpty();
        (await AllPagesAsync(filter, pageSize: 7)).Should().Equal(expected);
    }

    [Test]
    public async Task Empty_collections_follow_set_logic()
    {
        var everything = await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds }, 500);

        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAllGroups = [] }, 500)).Should().Equal(everything);
        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, NotInGroups = [] }, 500)).Should().Equal(everything);
        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAnyGroup = [] }, 500)).Should().BeEmpty();
        everything.Should().HaveCount(PortfolioCount);
    }

    [Test]
    public async Task A_reference_that_names_no_group_is_a_group_without_members()
    {
        var members0 = Members(0);
        var unknown = PortfolioGroupRef.ByUniqueIdentifier(Unique("no-such-group"));
        var unknownUid = PortfolioGroupRef.ByUid(Guid.NewGuid());

        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAllGroups = [_groups[0], unknown] }, 500)).Should().BeEmpty();
        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAllGroups = [_groups[0], unknownUid] }, 500)).Should().BeEmpty();
        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, InAnyGroup = [_groups[0], unknown] }, 500)).Should().Equal(members0);
        (await AllPagesAsync(new PortfolioFilter { UniqueIdentifiers = _portfolioIds, NotInGroups = [unknown, unknownUid] }, 500)).Should().HaveCount(PortfolioCount);
    }

    [Test]
    public async Task A_group_named_twice_in_all_groups_counts_once()
    {
        var filter = new PortfolioFilter
        {
            UniqueIdentifiers = _portfolioIds,
            InAllGroups = [_groups[1], _groupIds[1], PortfolioGroupRef.ByUid(_groups[1])],
        };

        (await AllPagesAsync(filter, 500)).Should().Equal(Members(1)).And.NotBeEmpty();
    }

    [Test]
    public async Task Forty_thousand_group_references_and_portfolio_uids_are_one_query()
    {
        var manyGroups = Enumerable.Range(0, 20_000).Select(_ => PortfolioGroupRef.ByUid(Guid.NewGuid()))
            .Concat(Enumerable.Range(0, 19_999).Select(i => PortfolioGroupRef.ByUniqueIdentifier($"{_marker}-none-{i}")))
            .Append(_groups[2])
            .ToList();
        var manyUids = Enumerable.Range(0, 40_000 - PortfolioCount).Select(_ => Guid.NewGuid()).Concat(_portfolios).ToList();

        var any = await AllPagesAsync(new PortfolioFilter { Uids = manyUids, InAnyGroup = manyGroups }, 10_000);
        var notIn = await AllPagesAsync(new PortfolioFilter { Uids = manyUids, NotInGroups = manyGroups }, 10_000);

        manyGroups.Should().HaveCount(40_000);
        manyUids.Should().HaveCount(40_000);
        any.Should().Equal(Members(2)).And.NotBeEmpty();
        notIn.Should().Equal(_portfolios.Except(Members(2)).Order());
    }

    [Test]
    public async Task A_reference_that_names_nothing_is_an_invalid_value_naming_the_field()
    {
        var error = (await FluentActions.Awaiting(() => Portfolio.FilterAsync(Store, new PortfolioFilter { NotInGroups = [default] }))
            .Should().ThrowAsync<InvalidValueException>()).Which;
        var streamError = FluentActions.Invoking(() => Portfolio.StreamAsync(Store, new PortfolioFilter { InAllGroups = [default] })).Should().Throw<InvalidValueException>().Which;

        error.Field.Should().Be("filter.NotInGroups");
        streamError.Field.Should().Be("filter.InAllGroups");
    }

    private List<Guid> Members(int group) =>
        [.. Enumerable.Range(0, PortfolioCount).Where(p => _pairs.Contains((group, p))).Select(p => _portfolios[p]).Order()];

    private async Task<List<Guid>> AllPagesAsync(PortfolioFilter filter, int pageSize)
    {
        var uids = new List<Guid>();
        for (PageRequest? request = PageRequest.First(pageSize); request is not null;)
        {
            var page = await Portfolio.FilterPageAsync(Store, filter, request);
            uids.AddRange(page.Items.Select(p => p.Uid));
            request = page.Next;
        }

        return uids;
    }

    private int[]? RandomGroups(int min, int max) =>
        _random.Next(4) == 0 ? null : [.. Enumerable.Range(0, GroupCount).OrderBy(_ => _random.Next()).Take(_random.Next(min, max + 1))];

    // Each group is named by uid or by unique identifier, at random.
    private PortfolioGroupRef Ref(int group) => _random.Next(2) == 0 ? _groups[group] : _groupIds[group];

    private static string Show(int[]? groups) => groups is null ? "null" : string.Join(",", groups);
}
