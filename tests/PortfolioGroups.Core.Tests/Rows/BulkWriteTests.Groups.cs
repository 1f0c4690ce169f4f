using System.Text.Json;
using Dapper;

namespace PortfolioGroups.Tests.Rows;

/// <summary>A group's portfolios in bulk, and the bulk upsert of groups.</summary>
public sealed partial class BulkWriteTests
{
    [Test]
    public async Task AddPortfolios_adds_to_one_group_and_counts_those_present_already()
    {
        var group = (await GroupsAsync("addp", 1))[0];
        await group.AddPortfolioAsync(_portfolioIds[0]);

        var first = await PortfolioGroup.AddPortfoliosAsync(Store, group.UniqueIdentifier, [_portfolioIds[0], _portfolioIds[1], _portfolioUids[1], _portfolioIds[2]]);
        var second = await group.AddPortfoliosAsync(_portfolioUids.Take(40_000).Select(u => (PortfolioRef)u));

        first.Should().Be(new BulkAddResult(Added: 2, AlreadyPresent: 1));
        second.Should().Be(new BulkAddResult(Added: 40_000 - 3, AlreadyPresent: 3));
        (await MembersAsync(group.Uid)).Should().Be(40_000);
    }

    [Test]
    public async Task AddPortfolios_to_an_unknown_group_fails_even_with_no_portfolios()
    {
        var add = () => PortfolioGroup.AddPortfoliosAsync(Store, "bw-no-such-group", []);

        var error = (await add.Should().ThrowAsync<RowNotFoundException>()).Which;
        (error.Table, error.KeyName, error.KeyValue).Should().Be(("PortfolioGroup", "unique_identifier", "bw-no-such-group"));
    }

    [Test]
    public async Task SetPortfolios_makes_the_group_hold_exactly_the_input_and_says_what_changed()
    {
        var group = (await GroupsAsync("set", 1))[0];
        await group.AddPortfoliosAsync(_portfolioIds.Take(3).Select(p => (PortfolioRef)p));

        // Keep 1 and 2, drop 0, add 3 (named twice).
        var result = await PortfolioGroup.SetPortfoliosAsync(Store, group.UniqueIdentifier, [_portfolioIds[1], _portfolioUids[2], _portfolioIds[3], _portfolioUids[3]]);

        result.Should().Be(new SetPortfoliosResult(Added: 1, Removed: 1, Unchanged: 2));
        (await PortfolioGroup.GetPortfoliosAsync(Store, group)).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(_portfolioIds[1..4]);
        (await Portfolio.FindAsync(Store, _portfolioIds[0])).Should().NotBeNull("a portfolio taken out of a group remains");
    }

    [Test]
    public async Task SetPortfolios_swaps_half_of_40000_members_and_an_empty_input_empties_the_group()
    {
        var group = (await GroupsAsync("set-large", 1))[0];
        await group.AddPortfoliosAsync(_portfolioUids.Take(40_000).Select(u => (PortfolioRef)u));

        var swapped = await group.SetPortfoliosAsync(_portfolioUids.Skip(20_000).Take(40_000).Select(u => (PortfolioRef)u));
        var emptied = await group.SetPortfoliosAsync([]);

        swapped.Should().Be(new SetPortfoliosResult(Added: 20_000, Removed: 20_000, Unchanged: 20_000));
        emptied.Should().Be(new SetPortfoliosResult(Added: 0, Removed: 40_000, Unchanged: 0));
        (await MembersAsync(group.Uid)).Should().Be(0);
    }

    [Test]
    public async Task SetPortfolios_with_unknown_portfolios_or_an_unknown_group_changes_nothing()
    {
        var group = (await GroupsAsync("set-missing", 1))[0];
        await group.AddPortfoliosAsync([_portfolioIds[0], _portfolioIds[1]]);

        var unknownPortfolio = () => group.SetPortfoliosAsync([_portfolioIds[2], "bw-ghost-b", "bw-ghost-a"]);
        var unknownGroup = () => PortfolioGroup.SetPortfoliosAsync(Store, Guid.CreateVersion7(), [_portfolioIds[2]]);

        var error = (await unknownPortfolio.Should().ThrowAsync<RowNotFoundException>()).Which;
        (error.Table, error.KeyName, error.KeyValue).Should().Be(("Portfolio", "unique_identifier", "bw-ghost-a, bw-ghost-b: 2 missing references"));
        (await unknownGroup.Should().ThrowAsync<RowNotFoundException>()).Which.Table.Should().Be("PortfolioGroup");
        (await PortfolioGroup.GetPortfoliosAsync(Store, group)).Select(p => p.UniqueIdentifier).Should().BeEquivalentTo(_portfolioIds[..2]);
    }

    [Test]
    public async Task Group_UpsertMany_counts_inserted_and_updated_and_the_last_duplicate_wins()
    {
        var marker = Unique("bw-gup");
        var existing = await PortfolioGroup.AddAsync(Store, $"{marker}-0", "Old", "Old description", JsonSerializer.SerializeToElement(new { old = true }));
        var metadata = JsonSerializer.SerializeToElement(new { region = "EU" });

        var result = await PortfolioGroup.UpsertManyAsync(Store,
        [
            new PortfolioGroupUpsert($"{marker}-0", "First try"),
            new PortfolioGroupUpsert($"{marker}-1", "One", "Described", metadata),
            new PortfolioGroupUpsert($"  {marker}-0  ", "New"),
            new PortfolioGroupUpsert($"{marker}-2", "Two"),
        ]);

        result.Should().Be(new UpsertManyResult(Inserted: 2, Updated: 1));
        var updated = await PortfolioGroup.GetAsync(Store, $"{marker}-0");
        updated.Uid.Should().Be(existing.Uid);
        (updated.DisplayName, updated.Description, updated.Metadata).Should().Be(("New", null, null), "the row ends with exactly the last row's values");
        var inserted = await PortfolioGroup.GetAsync(Store, $"{marker}-1");
        inserted.Description.Should().Be("Described");
        inserted.Metadata!.Value.GetProperty("region").GetString().Should().Be("EU");
        inserted.Uid.Version.Should().Be(7);
    }

    [Test]
    public async Task Group_UpsertMany_refuses_a_bad_row_by_position_and_writes_nothing()
    {
        var marker = Unique("bw-gbad");
        var rows = Enumerable.Range(0, 5_000).Select(i => new PortfolioGroupUpsert($"{marker}-{i}", "G"))
            .Append(new PortfolioGroupUpsert($"{marker}-bad", "G", Metadata: JsonDocument.Parse("[1]").RootElement));

        var upsert = () => PortfolioGroup.UpsertManyAsync(Store, rows);

        var error = (await upsert.Should().ThrowAsync<InvalidValueException>()).Which;
        error.Field.Should().Be("rows[5000].Metadata");
        await using var connection = await OpenPlainConnectionAsync();
        (await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {Table("portfolio_group")} WHERE unique_identifier LIKE @m", new { m = marker + "%" })).Should().Be(0);
    }
}
