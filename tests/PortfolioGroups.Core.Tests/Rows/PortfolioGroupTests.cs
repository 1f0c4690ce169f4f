using System.Text.Json;
using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

[TestFixture(Db.Sqlite, null, PortfolioMode.Library)]
[TestFixture(Db.Postgres, null, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, null, PortfolioMode.Library)]
[TestFixture(Db.Postgres, "portfolio_data", PortfolioMode.Library)]
[TestFixture(Db.Sqlite, null, PortfolioMode.Host)]
[TestFixture(Db.Postgres, null, PortfolioMode.Host)]
public sealed class PortfolioGroupTests(Db db, string? postgresSchema, PortfolioMode portfolioMode) : DatabaseTest(db, postgresSchema, portfolioMode)
{
    [Test]
    public async Task Adding_the_same_group_twice_gives_the_same_uid()
    {
        var id = Unique("crypto");

        var first = await PortfolioGroup.AddAsync(Store, id, "Crypto portfolios");
        var second = await PortfolioGroup.AddAsync(Store, id, "Crypto");

        second.Uid.Should().Be(first.Uid);
        second.DisplayName.Should().Be("Crypto");
        second.Uid.Version.Should().Be(7);
    }

    [Test]
    public async Task Metadata_round_trips_as_a_json_object_and_description_as_text()
    {
        var metadata = JsonSerializer.SerializeToElement(new { region = "EU", weights = new[] { 1, 2 }, note = "it's \"fine\"" });

        var added = await PortfolioGroup.AddAsync(Store, Unique("meta"), "Meta", "A description", metadata);
        var read = await PortfolioGroup.GetAsync(Store, added.UniqueIdentifier);

        read.Description.Should().Be("A description");
        read.Metadata!.Value.GetProperty("region").GetString().Should().Be("EU");
        read.Metadata.Value.GetProperty("weights").GetArrayLength().Should().Be(2);
        read.Metadata.Value.GetProperty("note").GetString().Should().Be("it's \"fine\"");
    }

    [TestCase("[1, 2]", "array")]
    [TestCase("\"text\"", "string")]
    [TestCase("42", "number")]
    public async Task Metadata_that_is_not_a_json_object_is_refused_naming_the_field(string json, string kind)
    {
        var id = Unique("badmeta");
        var metadata = JsonDocument.Parse(json).RootElement;

        var add = () => PortfolioGroup.AddAsync(Store, id, "Bad", metadata: metadata);

        var error = (await add.Should().ThrowAsync<InvalidValueException>()).Which;
        error.Field.Should().Be("metadata");
        error.Message.Should().Contain(kind);
        (await PortfolioGroup.FindAsync(Store, id)).Should().BeNull();
    }

    [Test]
    public async Task Creating_an_existing_group_is_a_duplicate_key_error()
    {
        var id = Unique("dupgroup");
        await PortfolioGroup.CreateAsync(Store, id, "First");

        var error = (await FluentActions.Awaiting(() => PortfolioGroup.CreateAsync(Store, id, "Second")).Should().ThrowAsync<DuplicateKeyException>()).Which;

        (error.Table, error.KeyName, error.KeyValue).Should().Be(("PortfolioGroup", "unique_identifier", id));
        (await PortfolioGroup.GetAsync(Store, id)).DisplayName.Should().Be("First");
    }

    [Test]
    public async Task An_update_changes_only_the_fields_it_sets()
    {
        var metadata = JsonSerializer.SerializeToElement(new { a = 1 });
        var group = await PortfolioGroup.AddAsync(Store, Unique("upd"), "Before", "Kept description", metadata);

        var renamed = await group.UpdateAsync(new PortfolioGroupChanges { DisplayName = "After" });
        var cleared = await PortfolioGroup.UpdateAsync(Store, group.UniqueIdentifier, new PortfolioGroupChanges { Description = null, Metadata = null });
        var newMetadata = await PortfolioGroup.UpdateAsync(Store, group.Uid, new PortfolioGroupChanges { Metadata = JsonSerializer.SerializeToElement(new { b = 2 }) });

        renamed.DisplayName.Should().Be("After");
        renamed.Description.Should().Be("Kept description");
        renamed.Metadata!.Value.GetProperty("a").GetInt32().Should().Be(1);
        group.DisplayName.Should().Be("Before", "rows are immutable");
        cleared.DisplayName.Should().Be("After");
        cleared.Description.Should().BeNull();
        cleared.Metadata.Should().BeNull();
        newMetadata.Metadata!.Value.GetProperty("b").GetInt32().Should().Be(2);
    }

    [Test]
    public async Task An_update_to_an_empty_display_name_is_refused_and_nothing_changes()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("emptyname"), "Name");

        var update = () => group.UpdateAsync(new PortfolioGroupChanges { DisplayName = " ", Description = "changed" });

        (await update.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("changes.DisplayName");
        (await PortfolioGroup.GetAsync(Store, group.Uid)).Should().Be(group);
    }

    [Test]
    public async Task One_portfolio_sits_in_several_groups_and_one_group_holds_several_portfolios()
    {
        var btc = await AddPortfolioAsync(Unique("btc"), "BTC momentum");
        var eth = await AddPortfolioAsync(Unique("eth"), "ETH carry");
        var crypto = await PortfolioGroup.AddAsync(Store, Unique("crypto"), "Crypto");
        var prod = await PortfolioGroup.AddAsync(Store, Unique("production"), "Production");
        var research = await PortfolioGroup.AddAsync(Store, Unique("research"), "Research");

        await crypto.AddPortfolioAsync(btc);                                                       // by row
        await crypto.AddPortfolioAsync(eth.Uid);                                                    // by uid
        await PortfolioGroup.AddPortfolioAsync(Store, prod.UniqueIdentifier, btc.UniqueIdentifier); // by identifiers
        await PortfolioGroup.AddPortfolioAsync(Store, research.Uid, btc);

        (await crypto.GetPortfoliosAsync()).Select(p => p.Uid).Should().BeEquivalentTo([btc.Uid, eth.Uid]);
        (await PortfolioGroup.GetGroupsForPortfolioAsync(Store, btc.UniqueIdentifier)).Select(g => g.Uid).Should().BeEquivalentTo([crypto.Uid, prod.Uid, research.Uid]);
        (await eth.GetGroupsAsync()).Select(g => g.Uid).Should().Equal(crypto.Uid);
        (await prod.GetPortfoliosAsync()).Select(p => p.Uid).Should().Equal(btc.Uid);
    }

    [Test]
    public async Task Adding_a_portfolio_twice_gives_one_membership_and_removing_an_absent_one_returns_false()
    {
        var portfolio = await AddPortfolioAsync(Unique("p"));
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");

        var first = await group.AddPortfolioAsync(portfolio);
        var second = await PortfolioGroup.AddPortfolioAsync(Store, group.UniqueIdentifier, portfolio.UniqueIdentifier);

        second.Uid.Should().Be(first.Uid);
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [group.Uid] })).Should().HaveCount(1);
        (await group.RemovePortfolioAsync(portfolio)).Should().BeTrue();
        (await group.RemovePortfolioAsync(portfolio)).Should().BeFalse();
        (await PortfolioGroup.RemovePortfolioAsync(Store, Unique("no-group"), Unique("no-portfolio"))).Should().BeFalse();
        (await Portfolio.GetAsync(Store, portfolio.Uid)).Should().Be(portfolio);
    }

    [Test]
    public async Task Adding_a_missing_portfolio_or_to_a_missing_group_names_what_is_missing_and_writes_nothing()
    {
        var portfolio = await AddPortfolioAsync(Unique("p"));
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        var missingGroup = Unique("missing-group");
        var missingPortfolio = Guid.NewGuid();

        var noGroup = (await FluentActions.Awaiting(() => PortfolioGroup.AddPortfolioAsync(Store, missingGroup, portfolio)).Should().ThrowAsync<RowNotFoundException>()).Which;
        var noPortfolio = (await FluentActions.Awaiting(() => group.AddPortfolioAsync(missingPortfolio)).Should().ThrowAsync<RowNotFoundException>()).Which;

        (noGroup.Table, noGroup.KeyName, noGroup.KeyValue).Should().Be(("PortfolioGroup", "unique_identifier", missingGroup));
        (noPortfolio.Table, noPortfolio.KeyName, noPortfolio.KeyValue).Should().Be(("Portfolio", "uid", missingPortfolio.ToString()));
        (await group.GetPortfoliosAsync()).Should().BeEmpty();
    }

    [Test]
    public async Task Listing_a_missing_group_or_portfolio_is_a_not_found_error_while_an_empty_one_is_an_empty_page()
    {
        var empty = await PortfolioGroup.AddAsync(Store, Unique("empty"), "Empty");
        var lonely = await AddPortfolioAsync(Unique("lonely"));

        (await empty.GetPortfoliosAsync()).Should().BeEmpty();
        (await lonely.GetGroupsAsync()).Should().BeEmpty();
        (await FluentActions.Awaiting(() => PortfolioGroup.GetPortfoliosAsync(Store, Unique("nope"))).Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("PortfolioGroup");
        (await FluentActions.Awaiting(() => PortfolioGroup.GetGroupsForPortfolioAsync(Store, Guid.NewGuid())).Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("Portfolio");
    }

    [Test]
    public async Task The_portfolios_of_a_group_are_paged_with_a_cursor_that_reaches_every_row()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("paged"), "Paged");
        var members = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            var p = await AddPortfolioAsync(Unique($"m{i}"));
            await group.AddPortfolioAsync(p);
            members.Add(p.Uid);
        }

        var first = await group.GetPortfoliosPageAsync(PageRequest.First(2));
        var second = await group.GetPortfoliosPageAsync(first.Next!);
        var third = await group.GetPortfoliosPageAsync(second.Next!);

        first.HasMore.Should().BeTrue();
        third.HasMore.Should().BeFalse();
        third.Next.Should().BeNull();
        first.Items.Concat(second.Items).Concat(third.Items).Select(p => p.Uid).Should().Equal(members.Order());
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(10_001)]
    public async Task A_page_size_out_of_range_is_refused(int size)
    {
        var filter = () => PortfolioGroup.FilterPageAsync(Store, null, new PageRequest { Size = size });

        (await filter.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("page.Size");
    }

    [Test]
    public async Task A_page_of_10000_rows_holds_10000_rows_and_a_foreign_cursor_is_refused()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var marker = Unique("page10k");
        var seeded = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [.. Enumerable.Range(0, PageRequest.MaxSize + 1).Select(i => $"{marker}-{i:D5}")]);
        var filter = new PortfolioGroupFilter { Search = marker };

        var page = await PortfolioGroup.FilterPageAsync(Store, filter, PageRequest.First(PageRequest.MaxSize));
        var rest = await PortfolioGroup.FilterPageAsync(Store, filter, page.Next!);

        page.Items.Should().HaveCount(10_000);
        page.HasMore.Should().BeTrue();
        rest.Items.Should().ContainSingle();
        rest.HasMore.Should().BeFalse();
        page.Items.Concat(rest.Items).Select(g => g.Uid).Should().Equal(seeded.Order());

        var bad = () => PortfolioGroup.FilterPageAsync(Store, null, new PageRequest { After = "not-a-cursor" });

        (await bad.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("page.After");
    }

    [Test]
    public async Task The_default_page_holds_500_rows_and_the_next_page_continues_after_it()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var marker = Unique("bulk500");
        await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [.. Enumerable.Range(0, 501).Select(i => $"{marker}-{i:D3}")]);

        var first = await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Search = marker }, PageRequest.First());
        var second = await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Search = marker }, first.Next!);

        first.Items.Should().HaveCount(PageRequest.DefaultSize);
        second.Items.Should().HaveCount(1);
        first.Items.Concat(second.Items).Select(g => g.UniqueIdentifier).Should().OnlyHaveUniqueItems().And.HaveCount(501);
    }

    [Test]
    public async Task Deleting_a_group_removes_only_its_memberships_and_its_portfolios_remain()
    {
        var (group, other, portfolios) = await SeedGroupsAsync();

        (await group.DeleteAsync()).Should().BeTrue();
        (await PortfolioGroup.DeleteAsync(Store, group.Uid)).Should().BeFalse();

        foreach (var p in portfolios)
        {
            (await Portfolio.GetAsync(Store, p.Uid)).Should().Be(p);
        }

        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { GroupUids = [group.Uid] })).Should().BeEmpty();
        (await other.GetPortfoliosAsync()).Select(p => p.Uid).Should().Equal(portfolios[1].Uid);
    }

    [Test]
    public async Task Bulk_deleting_groups_removes_only_their_memberships_and_their_portfolios_remain()
    {
        var (group, other, portfolios) = await SeedGroupsAsync();

        var deleted = await PortfolioGroup.BulkDeleteAsync(Store, uniqueIdentifiers: [group.UniqueIdentifier]);

        deleted.Should().Be(1);
        (await PortfolioGroup.FindAsync(Store, group.Uid)).Should().BeNull();
        (await PortfolioGroup.FindAsync(Store, other.Uid)).Should().NotBeNull();
        foreach (var p in portfolios)
        {
            (await Portfolio.FindAsync(Store, p.Uid)).Should().NotBeNull();
        }

        (await portfolios[0].GetGroupsAsync()).Should().BeEmpty();
        (await portfolios[1].GetGroupsAsync()).Select(g => g.Uid).Should().Equal(other.Uid);
    }

    [Test]
    public async Task Bulk_delete_with_mixed_uids_and_identifiers_deletes_each_group_once_and_counts_truly()
    {
        var a = await PortfolioGroup.AddAsync(Store, Unique("ba"), "A");
        var b = await PortfolioGroup.AddAsync(Store, Unique("bb"), "B");
        var c = await PortfolioGroup.AddAsync(Store, Unique("bc"), "C");
        var survivor = await PortfolioGroup.AddAsync(Store, Unique("bd"), "D");

        var deleted = await PortfolioGroup.BulkDeleteAsync(
            Store,
            uids: [a.Uid, b.Uid, a.Uid, Guid.NewGuid()],
            uniqueIdentifiers: [a.UniqueIdentifier, c.UniqueIdentifier, Unique("unknown")]);

        deleted.Should().Be(3);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Uids = [a.Uid, b.Uid, c.Uid, survivor.Uid] })).Select(g => g.Uid).Should().Equal(survivor.Uid);
    }

    [Test]
    public async Task A_bulk_delete_that_names_nothing_is_refused_and_empty_lists_delete_nothing()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("safe"), "Safe");

        (await FluentActions.Awaiting(() => PortfolioGroup.BulkDeleteAsync(Store)).Should().ThrowAsync<InvalidValueException>()).Which.Message.Should().Contain("everything");
        (await PortfolioGroup.BulkDeleteAsync(Store, uids: [], uniqueIdentifiers: [])).Should().Be(0);
        (await PortfolioGroup.FindAsync(Store, group.Uid)).Should().NotBeNull();
    }

    [Test]
    public async Task A_bulk_delete_with_an_invalid_identifier_is_refused_and_deletes_nothing()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("atomic"), "Atomic");

        var delete = () => PortfolioGroup.BulkDeleteAsync(Store, uniqueIdentifiers: [group.UniqueIdentifier, ""]);

        (await delete.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("uniqueIdentifiers");
        (await PortfolioGroup.FindAsync(Store, group.Uid)).Should().NotBeNull();
    }

    [Test]
    public async Task A_bulk_delete_and_a_filter_naming_40000_uids_work_in_one_statement()
    {
        await using var connection = await OpenPlainConnectionAsync();
        var marker = Unique("big");
        var seeded = await Seed.RowsAsync(connection, Db, Table("portfolio_group"), [.. Enumerable.Range(0, 100).Select(i => $"{marker}-{i}")]);
        var uids = seeded.Concat(Enumerable.Range(0, 39_900).Select(_ => Guid.NewGuid())).ToArray();

        using var counter = new CommandCounter();
        Page<PortfolioGroup> found = null!;
        var filterCommands = await counter.RecordAsync(async () => found = await PortfolioGroup.FilterPageAsync(Store, new PortfolioGroupFilter { Uids = uids }, PageRequest.First(PageRequest.MaxSize)));
        var deleted = 0;
        var deleteCommands = await counter.RecordAsync(async () => deleted = await PortfolioGroup.BulkDeleteAsync(Store, uids: uids, uniqueIdentifiers: [.. Enumerable.Range(0, 40_000).Select(i => $"{marker}-{i}")]));

        uids.Should().HaveCount(40_000);
        found.Items.Select(g => g.Uid).Should().Equal(seeded.Order());
        filterCommands.Should().HaveCount(1);
        deleted.Should().Be(100);
        deleteCommands.Should().HaveCount(1);
        (await PortfolioGroup.FilterAsync(Store, new PortfolioGroupFilter { Search = marker })).Should().BeEmpty();
    }

    [Test]
    public async Task A_filter_by_repeated_uids_and_identifiers_pages_through_each_named_group_once()
    {
        var marker = Unique("named");
        var groups = new List<PortfolioGroup>();
        for (var i = 0; i < 7; i++)
        {
            groups.Add(await PortfolioGroup.AddAsync(Store, $"{marker}-{i}", i is 1 or 6 ? "Other" : "Named"));
        }

        // Groups 0-4 by uid (each twice, and one not in the table), 3-5 by identifier too: 0-5 are named, 3 and 4 both ways.
        var filter = new PortfolioGroupFilter
        {
            Uids = [.. groups.Take(5).Select(g => g.Uid), .. groups.Take(5).Select(g => g.Uid), Guid.NewGuid()],
            UniqueIdentifiers = [.. groups.Skip(3).Take(3).Select(g => g.UniqueIdentifier)],
        };
        var byUid = filter with { UniqueIdentifiers = null };

        var pages = await AllPagesAsync(filter);
        var byUidPages = await AllPagesAsync(byUid);
        var searched = await AllPagesAsync(byUid with { DisplayName = "Named", Search = marker });

        pages.SelectMany(p => p.Items).Select(g => g.Uid).Should().Equal(groups.Take(6).Select(g => g.Uid).Order());
        pages.Select(p => p.Items.Count).Should().Equal(2, 2, 2);
        byUidPages.SelectMany(p => p.Items).Select(g => g.Uid).Should().Equal(groups.Take(5).Select(g => g.Uid).Order());
        searched.SelectMany(p => p.Items).Should().BeEquivalentTo(groups.Take(5).Where(g => g.DisplayName == "Named").OrderBy(g => g.Uid), o => o.WithStrictOrdering().Excluding(g => g.Store));

        async Task<List<Page<PortfolioGroup>>> AllPagesAsync(PortfolioGroupFilter pageFilter)
        {
            var all = new List<Page<PortfolioGroup>>();
            PageRequest? request = PageRequest.First(2);
            while (request is not null)
            {
                var page = await PortfolioGroup.FilterPageAsync(Store, pageFilter, request);
                all.Add(page);
                request = page.Next;
            }

            return all;
        }
    }

    private async Task<(PortfolioGroup Group, PortfolioGroup Other, Portfolio[] Portfolios)> SeedGroupsAsync()
    {
        var group = await PortfolioGroup.AddAsync(Store, Unique("del"), "Delete me");
        var other = await PortfolioGroup.AddAsync(Store, Unique("keep"), "Keep me");
        Portfolio[] portfolios = [await AddPortfolioAsync(Unique("p0")), await AddPortfolioAsync(Unique("p1"))];
        await group.AddPortfolioAsync(portfolios[0]);
        await group.AddPortfolioAsync(portfolios[1]);
        await other.AddPortfolioAsync(portfolios[1]);
        return (group, other, portfolios);
    }
}
