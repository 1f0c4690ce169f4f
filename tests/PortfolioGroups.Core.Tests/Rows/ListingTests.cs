using System.Reflection;
using System.Text.Json;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// A call without a page returns every row; a paged call says so and pages; a cursor continues
/// only its own listing. On 1,200 rows, above the 500 a page once held by default.
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class ListingTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    private const int Many = 1_200;

    private string _marker = "";
    private PortfolioGroup _big = null!;
    private Portfolio _everywhere = null!;
    private Guid[] _portfolios = [];
    private Guid[] _groups = [];

    /// <summary>1,200 portfolios in one group, and one portfolio in 1,200 groups, by plain SQL.</summary>
    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        _marker = Unique("many");
        await using var connection = await OpenPlainConnectionAsync();
        _portfolios = await SeedPortfoliosAsync([.. Enumerable.Range(0, Many).Select(i => $"{_marker}-p{i:D4}")]);
        _groups = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [.. Enumerable.Range(0, Many).Select(i => $"{_marker}-g{i:D4}")]);
        _big = await PortfolioGroup.AddAsync(Store, $"{_marker}-big", "Big");
        _everywhere = await AddPortfolioAsync($"{_marker}-everywhere");
        await Seed.MembershipsAsync(connection, Db, Table("portfolio_group_membership"), [
            .. _portfolios.Select(p => (_big.Uid, p)),
            .. _groups.Select(g => (g, _everywhere.Uid)),
        ]);
    }

    [Test]
    public async Task Every_listing_called_without_a_page_returns_all_1200_rows()
    {
        var members = _portfolios.Order().ToList();
        var groups = _groups.Order().ToList();

        (await PortfolioGroup.GetPortfoliosAsync(Store, _big.Uid)).Select(p => p.Uid).Should().Equal(members);
        (await PortfolioGroup.GetPortfoliosAsync(Store, _big.UniqueIdentifier)).Should().HaveCount(Many);
        (await _big.GetPortfoliosAsync()).Select(p => p.Uid).Should().Equal(members);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, _everywhere)).Select(g => g.Uid).Should().Equal(groups);
        (await _everywhere.GetGroupsAsync()).Select(g => g.Uid).Should().Equal(groups);

        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = $"{_marker}-p" })).Select(p => p.Uid).Should().Equal(members);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAllGroups = [_big] })).Select(p => p.Uid).Should().Equal(members);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { InAnyGroup = [_big, _groups[0]] })).Select(p => p.Uid).Should().Equal([.. members, _everywhere.Uid]);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = _marker, NotInGroups = [_groups[0]] })).Select(p => p.Uid).Should().Equal(members);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Uids = _portfolios })).Should().HaveCount(Many);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Search = $"{_marker}-g" })).Select(g => g.Uid).Should().Equal(groups);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Uids = _groups })).Should().HaveCount(Many);
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [_big.Uid] })).Select(m => m.PortfolioUid).Should().BeEquivalentTo(members);
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { PortfolioUids = [_everywhere.Uid] })).Should().HaveCount(Many);
        (await PortfolioGroup.GetGroupsForPortfoliosAsync(Store, [_everywhere]))[_everywhere.Uid].Should().HaveCount(Many);
        (await PortfolioGroup.CountPortfoliosAsync(Store, [_big]))[_big.Uid].Should().Be(Many);
    }

    [Test]
    public async Task A_listing_without_a_page_of_a_missing_group_or_portfolio_is_not_found()
    {
        var group = () => PortfolioGroup.GetPortfoliosAsync(Store, Unique("nogroup"));
        var portfolio = () => PortfolioGroup.GetGroupsForPortfolioAsync(Store, Guid.CreateVersion7());

        await group.Should().ThrowAsync<RowNotFoundException>();
        await portfolio.Should().ThrowAsync<RowNotFoundException>();
    }

    [Test]
    public async Task Paged_calls_page_through_all_1200_rows_exactly_once()
    {
        (await AllPagesAsync(page => PortfolioGroup.GetPortfoliosPageAsync(Store, _big, page))).Should().Equal(_portfolios.Order());
        (await AllPagesAsync(page => _big.GetPortfoliosPageAsync(page))).Should().Equal(_portfolios.Order());
        (await AllPagesAsync(page => PortfolioGroup.GetGroupsForPortfolioPageAsync(Store, _everywhere, page))).Should().Equal(_groups.Order());
        (await AllPagesAsync(page => _everywhere.GetGroupsPageAsync(page))).Should().Equal(_groups.Order());
        (await AllPagesAsync(page => Portfolio.FilterPageAsync(Store, new PortfolioFilter { InAllGroups = [_big] }, page))).Should().Equal(_portfolios.Order());
        (await AllPagesAsync(page => PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Search = $"{_marker}-g" }, page))).Should().Equal(_groups.Order());
        (await AllPagesAsync(page => PortfolioGroupMembership.FilterPageAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [_big.Uid] }, page), m => m.PortfolioUid))
            .Should().BeEquivalentTo(_portfolios);

        var first = await PortfolioGroup.GetPortfoliosPageAsync(Store, _big, PageRequest.First());
        first.Items.Should().HaveCount(PageRequest.DefaultSize);
        first.HasMore.Should().BeTrue();
    }

    [Test]
    public async Task A_paged_call_without_a_page_request_is_refused()
    {
        var call = () => Portfolio.FilterPageAsync(Store, null, null!);

        (await call.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("page");
    }

    [Test]
    public void A_page_is_not_a_collection_and_only_the_page_calls_return_pages()
    {
        typeof(Page<Portfolio>).GetInterfaces().Should().NotContain(i => i == typeof(System.Collections.IEnumerable), "a page's rows are in Items");
        var methods = typeof(PortfolioStore).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .ToList();

        var paged = methods.Where(m => m.ReturnType.IsGenericType && m.ReturnType.GetGenericTypeDefinition() == typeof(Task<>)
                                        && m.ReturnType.GetGenericArguments()[0] is { IsGenericType: true } inner && inner.GetGenericTypeDefinition() == typeof(Page<>)).ToList();
        paged.Should().HaveCount(11, "eight listings, the as-of set filter and the two as-of relationship lists");
        paged.Should().OnlyContain(m => m.Name.EndsWith("PageAsync", StringComparison.Ordinal), "a reader of the call site can tell a page from everything");
        paged.Should().OnlyContain(m => m.GetParameters().Any(p => p.ParameterType == typeof(PageRequest) && !p.IsOptional), "a paged call takes an explicit page");
        methods.Where(m => m.DeclaringType != typeof(PageRequest) && m.GetParameters().Any(p => p.ParameterType == typeof(PageRequest))).Should().BeEquivalentTo(paged, "no call takes a page and returns everything");
    }

    [Test]
    public async Task A_cursor_continues_only_its_own_listing()
    {
        var other = await PortfolioGroup.AddAsync(Store, Unique("other"), "Other");
        await other.AddPortfoliosAsync([.. _portfolios.Take(5).Select(u => (PortfolioRef)u)]);
        var cursor = (await PortfolioGroup.GetPortfoliosPageAsync(Store, _big, PageRequest.First(2))).Next!;
        var filterCursor = (await Portfolio.FilterPageAsync(Store, new PortfolioFilter { Search = _marker }, PageRequest.First(2))).Next!;

        // The same listing continues, even when the filter names its keys in another order.
        (await PortfolioGroup.GetPortfoliosPageAsync(Store, _big, cursor)).Items.Should().HaveCount(2);
        var named = new PortfolioFilter { Uids = [.. _portfolios.Take(4)] };
        var namedCursor = (await Portfolio.FilterPageAsync(Store, named, PageRequest.First(2))).Next!;
        (await Portfolio.FilterPageAsync(Store, named with { Uids = [.. _portfolios.Take(4).Reverse()] }, namedCursor)).Items.Select(p => p.Uid).Should().Equal(_portfolios.Take(4).Order().Skip(2));

        Func<Task>[] foreign =
        [
            () => PortfolioGroup.GetPortfoliosPageAsync(Store, other, cursor),
            () => PortfolioGroup.GetGroupsForPortfolioPageAsync(Store, _everywhere, cursor),
            () => Portfolio.FilterPageAsync(Store, null, cursor),
            () => PortfolioGroup.FilterPageAsync(Store, null, cursor),
            () => PortfolioGroupMembership.FilterPageAsync(Store, null, cursor),
            () => PortfolioGroup.FilterPageAsync(Store, null, filterCursor),
            () => PortfolioGroupMembership.FilterPageAsync(Store, null, filterCursor),
            () => Portfolio.FilterPageAsync(Store, new PortfolioFilter { Search = _marker + "x" }, filterCursor),
            () => Portfolio.FilterPageAsync(Store, named with { Uids = [.. _portfolios.Take(3)] }, namedCursor),
        ];
        foreach (var call in foreign)
        {
            var refused = await call.Should().ThrowAsync<InvalidValueException>();
            refused.Which.Field.Should().Be("page.After");
            refused.Which.Message.Should().Contain("another listing");
        }
    }

    [Test]
    public async Task A_tampered_cursor_or_a_bare_uid_is_refused()
    {
        var cursor = (await PortfolioGroup.GetPortfoliosPageAsync(Store, _big, PageRequest.First(2))).NextCursor!;
        var lastUid = (await PortfolioGroup.GetPortfoliosPageAsync(Store, _big, PageRequest.First(2))).Items[^1].Uid;

        string[] tampered =
        [
            Flip(cursor, 20),
            Flip(cursor, cursor.Length - 1),
            Flip(cursor, 2),
            cursor[..^1],
            cursor + "A",
            lastUid.ToString("N"),
            lastUid.ToString(),
        ];
        foreach (var text in tampered)
        {
            var call = () => PortfolioGroup.GetPortfoliosPageAsync(Store, _big, new PageRequest { Size = 2, After = text });
            (await call.Should().ThrowAsync<InvalidValueException>(text)).Which.Field.Should().Be("page.After");
        }

        static string Flip(string text, int index) =>
            string.Concat(text.AsSpan(0, index), text[index] == 'A' ? "B" : "A", text.AsSpan(index + 1));
    }

    [Test]
    public async Task Adding_a_group_again_without_its_optional_fields_keeps_them()
    {
        var id = Unique("crypto");
        var metadata = JsonSerializer.SerializeToElement(new { region = "global" });

        var first = await PortfolioGroup.AddAsync(Store, id, "Crypto", description: "digital", metadata: metadata);
        var second = await PortfolioGroup.AddAsync(Store, id, "Crypto");
        var third = await PortfolioGroup.AddAsync(Store, id);
        var renamed = await PortfolioGroup.AddAsync(Store, id, "Crypto assets", description: "coins");

        second.Should().Be(first);
        third.Should().Be(first);
        (await PortfolioGroup.GetAsync(Store, id)).Should().Be(renamed);
        renamed.Uid.Should().Be(first.Uid);
        renamed.DisplayName.Should().Be("Crypto assets");
        renamed.Description.Should().Be("coins");
        renamed.Metadata!.Value.GetProperty("region").GetString().Should().Be("global");
    }

    [Test]
    public async Task Adding_a_new_group_without_a_display_name_names_it_by_its_identifier()
    {
        var id = Unique("plain");

        var added = await PortfolioGroup.AddAsync(Store, "  " + id + " ");

        added.DisplayName.Should().Be(id);
        added.UniqueIdentifier.Should().Be(id);
    }

    [Test]
    public async Task Upsert_still_sets_exactly_the_values_given()
    {
        var id = Unique("exact");
        await PortfolioGroup.AddAsync(Store, id, "Exact", "described", JsonSerializer.SerializeToElement(new { a = 1 }));

        var upserted = await PortfolioGroup.UpsertAsync(Store, id, "Exact");

        upserted.Description.Should().BeNull();
        upserted.Metadata.Should().BeNull();
    }

    [Test]
    public async Task Adding_a_portfolio_again_without_a_display_name_keeps_it()
    {
        IgnorePortfolioWritesInHostMode();
        var id = Unique("btc");

        var first = await Portfolio.AddAsync(Store, id, "BTC momentum");
        var second = await Portfolio.AddAsync(Store, id);
        var renamed = await Portfolio.AddAsync(Store, id, "BTC");

        second.Should().Be(first);
        renamed.Uid.Should().Be(first.Uid);
        renamed.DisplayName.Should().Be("BTC");
        (await Portfolio.UpsertAsync(Store, id)).DisplayName.Should().BeNull("an upsert sets exactly the values given");
    }

    [Test]
    public async Task A_bad_value_given_to_add_writes_nothing()
    {
        var id = Unique("kept");
        var original = await PortfolioGroup.AddAsync(Store, id, "Kept", "described");

        var blank = () => PortfolioGroup.AddAsync(Store, id, "   ", "changed");

        (await blank.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("displayName");
        (await PortfolioGroup.GetAsync(Store, id)).Should().Be(original);
    }

    private static async Task<List<Guid>> AllPagesAsync<T>(Func<PageRequest, Task<Page<T>>> read, Func<T, Guid>? key = null)
    {
        key ??= row => row switch
        {
            Portfolio p => p.Uid,
            PortfolioGroup g => g.Uid,
            _ => throw new InvalidOperationException(),
        };
        var uids = new List<Guid>();
        for (PageRequest? request = PageRequest.First(500); request is not null;)
        {
            var page = await read(request);
            page.Items.Count.Should().BeLessThanOrEqualTo(500);
            uids.AddRange(page.Items.Select(key));
            request = page.Next;
        }

        return uids;
    }
}
