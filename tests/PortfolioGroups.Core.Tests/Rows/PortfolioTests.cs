using Dapper;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
[TestFixture(Db.PostgresPartitioned)]
public sealed class PortfolioTests(Db db) : DatabaseTest(db)
{
    [Test]
    public async Task Adding_the_same_identifier_twice_gives_the_same_uid_and_updates_the_display_name()
    {
        var id = Unique("btc-momentum");

        var first = await Portfolio.AddAsync(Store, id, displayName: "BTC momentum");
        var second = await Portfolio.AddAsync(Store, id, displayName: "BTC momentum v2");

        second.Uid.Should().Be(first.Uid);
        second.DisplayName.Should().Be("BTC momentum v2");
        (await CountAsync(id)).Should().Be(1);
    }

    [Test]
    public async Task New_uids_are_time_ordered_version_7_unless_the_caller_supplies_one()
    {
        var made = await Portfolio.CreateAsync(Store, Unique("v7"));
        var supplied = Guid.NewGuid();
        var given = await Portfolio.CreateAsync(Store, Unique("given"), uid: supplied);

        made.Uid.Version.Should().Be(7);
        given.Uid.Should().Be(supplied);
        (await Portfolio.GetAsync(Store, supplied)).UniqueIdentifier.Should().Be(given.UniqueIdentifier);
    }

    [Test]
    public async Task Creating_an_existing_identifier_fails_with_a_duplicate_key_error_and_writes_nothing()
    {
        var id = Unique("dup");
        var original = await Portfolio.CreateAsync(Store, id, "Original");

        var create = () => Portfolio.CreateAsync(Store, id, "Other");

        var error = (await create.Should().ThrowAsync<DuplicateKeyException>()).Which;
        error.Table.Should().Be("Portfolio");
        error.KeyName.Should().Be("unique_identifier");
        error.Message.Should().Contain(id);
        (await Portfolio.GetAsync(Store, id)).Should().Be(original);
    }

    [Test]
    public async Task Creating_with_a_taken_uid_fails_with_a_duplicate_key_error_naming_the_uid()
    {
        var existing = await Portfolio.CreateAsync(Store, Unique("uid-taken"));

        var create = () => Portfolio.CreateAsync(Store, Unique("uid-taken-2"), uid: existing.Uid);

        (await create.Should().ThrowAsync<DuplicateKeyException>()).Which.KeyName.Should().Be("uid");
    }

    [Test]
    public async Task A_portfolio_can_be_read_by_uid_or_by_unique_identifier()
    {
        var created = await Portfolio.AddAsync(Store, Unique("read"), "Read me");

        (await Portfolio.GetAsync(Store, created.Uid)).Should().Be(created);
        (await Portfolio.GetAsync(Store, created.UniqueIdentifier)).Should().Be(created);
        (await Portfolio.FindAsync(Store, Unique("absent"))).Should().BeNull();
    }

    [Test]
    public async Task Reading_a_missing_portfolio_names_the_table_and_the_key()
    {
        var missing = Unique("missing");
        var uid = Guid.NewGuid();

        var byId = (await FluentActions.Awaiting(() => Portfolio.GetAsync(Store, missing)).Should().ThrowAsync<RowNotFoundException>()).Which;
        var byUid = (await FluentActions.Awaiting(() => Portfolio.GetAsync(Store, uid)).Should().ThrowAsync<RowNotFoundException>()).Which;

        (byId.Table, byId.KeyName, byId.KeyValue).Should().Be(("Portfolio", "unique_identifier", missing));
        byId.Message.Should().Contain("Portfolio").And.Contain("unique_identifier").And.Contain(missing);
        (byUid.Table, byUid.KeyName, byUid.KeyValue).Should().Be(("Portfolio", "uid", uid.ToString()));
    }

    [Test]
    public async Task An_update_returns_the_new_row_and_leaves_the_old_instance_unchanged()
    {
        var original = await Portfolio.AddAsync(Store, Unique("upd"), "Before");

        var updated = await original.UpdateAsync(new PortfolioChanges { DisplayName = "After" });
        var cleared = await Portfolio.UpdateAsync(Store, original.UniqueIdentifier, new PortfolioChanges { DisplayName = null });
        var unchanged = await Portfolio.UpdateAsync(Store, original.Uid, new PortfolioChanges());

        original.DisplayName.Should().Be("Before");
        updated.DisplayName.Should().Be("After");
        updated.Uid.Should().Be(original.Uid);
        cleared.DisplayName.Should().BeNull();
        unchanged.Should().Be(cleared);
    }

    [Test]
    public async Task Updating_a_missing_portfolio_is_a_not_found_error()
    {
        var update = () => Portfolio.UpdateAsync(Store, Unique("ghost"), new PortfolioChanges { DisplayName = "x" });

        (await update.Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("Portfolio");
    }

    [Test]
    public async Task Deleting_a_portfolio_removes_only_its_memberships_and_its_groups_remain()
    {
        var portfolio = await Portfolio.AddAsync(Store, Unique("doomed"));
        var kept = await Portfolio.AddAsync(Store, Unique("kept"));
        var group = await PortfolioGroup.AddAsync(Store, Unique("g"), "G");
        await group.AddPortfolioAsync(portfolio);
        await group.AddPortfolioAsync(kept);

        (await portfolio.DeleteAsync()).Should().BeTrue();
        (await portfolio.DeleteAsync()).Should().BeFalse("it is already gone");

        (await PortfolioGroup.GetAsync(Store, group.Uid)).Should().Be(group);
        (await group.GetPortfoliosAsync()).Select(p => p.Uid).Should().Equal(kept.Uid);
        (await PortfolioGroupMembership.FilterAsync(Store, new PortfolioGroupMembershipFilter { PortfolioUids = [portfolio.Uid] })).Should().BeEmpty();
    }

    [Test]
    public async Task Search_is_case_insensitive_over_identifier_and_display_name()
    {
        var marker = Unique("srch").ToUpperInvariant();
        var byId = await Portfolio.AddAsync(Store, marker + "-alpha");
        var byName = await Portfolio.AddAsync(Store, Unique("other"), "Named " + marker.ToLowerInvariant());
        await Portfolio.AddAsync(Store, Unique("unrelated"), "Unrelated");

        var found = await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = marker.ToLowerInvariant() });

        found.Select(p => p.Uid).Should().BeEquivalentTo([byId.Uid, byName.Uid]);
    }

    [Test]
    public async Task Filtering_by_uids_and_identifiers_selects_the_union_of_both()
    {
        var a = await Portfolio.AddAsync(Store, Unique("fa"));
        var b = await Portfolio.AddAsync(Store, Unique("fb"));
        await Portfolio.AddAsync(Store, Unique("fc"));

        var found = await Portfolio.FilterAsync(Store, new PortfolioFilter { Uids = [a.Uid], UniqueIdentifiers = [b.UniqueIdentifier, Unique("nobody")] });
        var none = await Portfolio.FilterAsync(Store, new PortfolioFilter { Uids = [] });

        found.Select(p => p.Uid).Should().Equal(new[] { a.Uid, b.Uid }.Order());
        none.Should().BeEmpty();
    }

    [Test]
    public async Task Keyset_paging_reaches_every_row_exactly_once_in_uid_order()
    {
        var marker = Unique("page");
        var created = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await Portfolio.AddAsync(Store, $"{marker}-{i}")).Uid);
        }

        var seen = new List<Guid>();
        var request = PageRequest.First(3);
        var pages = 0;
        while (request is not null)
        {
            var page = await Portfolio.FilterPageAsync(Store, new PortfolioFilter { Search = marker }, request);
            page.Items.Count.Should().BeLessThanOrEqualTo(3);
            seen.AddRange(page.Items.Select(p => p.Uid));
            request = page.Next;
            pages++;
        }

        pages.Should().Be(3);
        seen.Should().Equal(created.Order());
    }

    [TestCase("", TestName = "Empty identifier")]
    [TestCase("   ", TestName = "Whitespace identifier")]
    [TestCase("tab\there", TestName = "Identifier with a control character")]
    public async Task Invalid_identifiers_are_refused_naming_the_field_and_nothing_is_written(string? identifier)
    {
        var before = await TotalAsync();

        var add = () => Portfolio.AddAsync(Store, identifier!);

        (await add.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("uniqueIdentifier");
        (await TotalAsync()).Should().Be(before);
    }

    [Test]
    public async Task A_null_identifier_is_an_argument_null_exception_naming_the_parameter_and_nothing_is_written()
    {
        var before = await TotalAsync();

        var add = () => Portfolio.AddAsync(Store, null!);

        (await add.Should().ThrowAsync<ArgumentNullException>()).Which.ParamName.Should().Be("uniqueIdentifier");
        (await TotalAsync()).Should().Be(before);
    }

    [Test]
    public async Task Identifiers_and_display_names_over_255_characters_are_refused()
    {
        var tooLong = new string('x', 256);

        (await FluentActions.Awaiting(() => Portfolio.AddAsync(Store, tooLong)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("uniqueIdentifier");
        (await FluentActions.Awaiting(() => Portfolio.AddAsync(Store, Unique("ok"), tooLong)).Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("displayName");
        (await Portfolio.AddAsync(Store, new string('y', 255))).UniqueIdentifier.Should().HaveLength(255);
    }

    [Test]
    public async Task Identifiers_are_trimmed_on_write_and_on_lookup()
    {
        var id = Unique("trim");

        var added = await Portfolio.AddAsync(Store, "  " + id + " ");

        added.UniqueIdentifier.Should().Be(id);
        (await Portfolio.GetAsync(Store, " " + id)).Uid.Should().Be(added.Uid);
    }

    [TestCase("it's \"quoted\"")]
    [TestCase("semi;colon; DROP TABLE portfolio;--")]
    [TestCase("100% _match_")]
    [TestCase(@"back\slash\\")]
    [TestCase("Zürich-ÆØÅ-東京-🚀")]
    public async Task Identifiers_with_special_characters_are_stored_and_found_literally(string text)
    {
        var id = text + " " + Guid.NewGuid().ToString("N")[..8];

        var added = await Portfolio.AddAsync(Store, id, text);

        (await Portfolio.GetAsync(Store, id)).Should().Be(added);
        added.UniqueIdentifier.Should().Be(id);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = id })).Select(p => p.Uid).Should().Equal(added.Uid);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { UniqueIdentifiers = [id] })).Select(p => p.Uid).Should().Equal(added.Uid);
    }

    [Test]
    public async Task Search_treats_like_wildcards_literally()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var percent = await Portfolio.AddAsync(Store, $"{marker}-50%-off");
        var underscore = await Portfolio.AddAsync(Store, $"{marker}-a_b");
        await Portfolio.AddAsync(Store, $"{marker}-50x-off");
        await Portfolio.AddAsync(Store, $"{marker}-axb");
        var backslash = await Portfolio.AddAsync(Store, $"{marker}-c\\d");

        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = $"{marker}-50%" })).Select(p => p.Uid).Should().Equal(percent.Uid);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = $"{marker}-a_" })).Select(p => p.Uid).Should().Equal(underscore.Uid);
        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = "c\\d" })).Select(p => p.Uid).Should().Contain(backslash.Uid);
    }

    [Test]
    public async Task Unicode_search_ignores_case()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var added = await Portfolio.AddAsync(Store, $"{marker}-ZÜRICH");

        (await Portfolio.FilterAsync(Store, new PortfolioFilter { Search = $"{marker}-zürich" })).Select(p => p.Uid).Should().Equal(added.Uid);
    }

    private async Task<long> CountAsync(string id)
    {
        await using var connection = await OpenPlainConnectionAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio")} WHERE unique_identifier = @id", new { id });
    }

    private async Task<long> TotalAsync()
    {
        await using var connection = await OpenPlainConnectionAsync();
        return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio")}");
    }
}
