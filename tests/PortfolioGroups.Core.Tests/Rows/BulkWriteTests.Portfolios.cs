using System.Diagnostics;
using Dapper;

namespace PortfolioGroups.Tests.Rows;

/// <summary>The bulk upsert and the bulk delete of portfolios.</summary>
public sealed partial class BulkWriteTests
{
    [Test]
    public async Task Portfolio_UpsertMany_of_100000_rows_inserts_then_updates_them_all()
    {
        IgnorePortfolioWritesInHostMode();
        var marker = Unique("bw-pup");
        var rows = Enumerable.Range(0, 100_000).Select(i => new PortfolioUpsert($"{marker}-{i}", $"Name {i}"));

        var stopwatch = Stopwatch.StartNew();
        var inserted = await Portfolio.UpsertManyAsync(Store, rows);
        await TestContext.Progress.WriteLineAsync($"{Db}: Portfolio.UpsertManyAsync of 100,000 new rows took {stopwatch.ElapsedMilliseconds} ms.");
        var first = await Portfolio.GetAsync(Store, $"{marker}-7");
        var updated = await Portfolio.UpsertManyAsync(Store, rows.Take(40_000).Select(r => r with { DisplayName = null }));

        inserted.Should().Be(new UpsertManyResult(Inserted: 100_000, Updated: 0));
        updated.Should().Be(new UpsertManyResult(Inserted: 0, Updated: 40_000));
        var again = await Portfolio.GetAsync(Store, $"{marker}-7");
        again.Uid.Should().Be(first.Uid);
        (first.DisplayName, again.DisplayName).Should().Be(("Name 7", null));
        (await Portfolio.GetAsync(Store, $"{marker}-40000")).DisplayName.Should().Be("Name 40000");
    }

    [Test]
    public async Task Portfolio_UpsertMany_counts_a_duplicate_identifier_once_and_keeps_the_last_row()
    {
        IgnorePortfolioWritesInHostMode();
        var marker = Unique("bw-pdup");
        await Portfolio.AddAsync(Store, $"{marker}-a", "Before");

        var result = await Portfolio.UpsertManyAsync(Store,
        [
            new PortfolioUpsert($"{marker}-a", "Lost"),
            new PortfolioUpsert($"{marker}-b", "B1"),
            new PortfolioUpsert($"{marker}-a", "Kept"),
            new PortfolioUpsert($" {marker}-b", "B2"),
        ]);

        result.Should().Be(new UpsertManyResult(Inserted: 1, Updated: 1));
        (await Portfolio.GetAsync(Store, $"{marker}-a")).DisplayName.Should().Be("Kept");
        (await Portfolio.GetAsync(Store, $"{marker}-b")).DisplayName.Should().Be("B2");
    }

    [TestCase(null, "rows[1]", TestName = "A null row")]
    [TestCase("", "rows[1].UniqueIdentifier", TestName = "A blank identifier")]
    [TestCase("bad\u0001id", "rows[1].UniqueIdentifier", TestName = "A control character")]
    public async Task Portfolio_UpsertMany_refuses_a_bad_row_naming_its_position_and_writes_nothing(string? identifier, string field)
    {
        IgnorePortfolioWritesInHostMode();
        var marker = Unique("bw-pbad");
        PortfolioUpsert[] rows = [new($"{marker}-ok"), identifier is null ? null! : new(identifier), new($"{marker}-later")];

        var upsert = () => Portfolio.UpsertManyAsync(Store, rows);

        (await upsert.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be(field);
        (await Portfolio.FindAsync(Store, $"{marker}-ok")).Should().BeNull();
    }

    [Test]
    public async Task Portfolio_UpsertMany_refuses_a_display_name_over_255_characters_by_position()
    {
        IgnorePortfolioWritesInHostMode();
        var marker = Unique("bw-plong");

        var upsert = () => Portfolio.UpsertManyAsync(Store, [new($"{marker}-0"), new($"{marker}-1"), new($"{marker}-2", new string('x', 256))]);

        (await upsert.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("rows[2].DisplayName");
        (await Portfolio.FindAsync(Store, $"{marker}-0")).Should().BeNull();
    }

    [Test]
    public async Task Portfolio_BulkDelete_deletes_each_named_portfolio_once_and_keeps_its_groups()
    {
        IgnorePortfolioWritesInHostMode();
        var marker = Unique("bw-pdel");
        await Portfolio.UpsertManyAsync(Store, Enumerable.Range(0, 6_000).Select(i => new PortfolioUpsert($"{marker}-{i}")));
        var group = (await GroupsAsync("pdel", 1))[0];
        await group.AddPortfoliosAsync(Enumerable.Range(0, 6_000).Select(i => (PortfolioRef)$"{marker}-{i}"));
        var byUid = (await Portfolio.GetAsync(Store, $"{marker}-0")).Uid;
        using var counter = new Support.CommandCounter();

        var deleted = 0;
        var commands = await counter.RecordAsync(async () => deleted = await Portfolio.BulkDeleteAsync(
            Store,
            uids: [byUid, Guid.CreateVersion7()],
            uniqueIdentifiers: [.. Enumerable.Range(0, 5_000).Select(i => $"{marker}-{i}"), "bw-not-there"]));

        deleted.Should().Be(5_000, "the portfolio named by uid and by identifier counts once; unknown keys are ignored");
        commands.Should().HaveCount(1);
        (await Portfolio.FindAsync(Store, $"{marker}-4999")).Should().BeNull();
        (await Portfolio.FindAsync(Store, $"{marker}-5000")).Should().NotBeNull();
        (await PortfolioGroup.FindAsync(Store, group.Uid)).Should().NotBeNull("deleting portfolios keeps their groups");
        (await MembersAsync(group.Uid)).Should().Be(1_000);
    }

    [Test]
    public async Task Portfolio_BulkDelete_refuses_a_call_that_names_nothing_and_deletes_nothing_for_empty_lists()
    {
        IgnorePortfolioWritesInHostMode();
        var portfolio = await Portfolio.AddAsync(Store, Unique("bw-pkeep"));

        var namesNothing = () => Portfolio.BulkDeleteAsync(Store);

        (await namesNothing.Should().ThrowAsync<InvalidValueException>()).Which.Field.Should().Be("uids, uniqueIdentifiers");
        (await Portfolio.BulkDeleteAsync(Store, uids: [], uniqueIdentifiers: [])).Should().Be(0);
        (await FluentActions.Awaiting(() => Portfolio.BulkDeleteAsync(Store, uniqueIdentifiers: ["ok", null!])).Should().ThrowAsync<InvalidValueException>())
            .Which.Field.Should().Be("uniqueIdentifiers");
        (await Portfolio.FindAsync(Store, portfolio.Uid)).Should().NotBeNull();
    }
}
