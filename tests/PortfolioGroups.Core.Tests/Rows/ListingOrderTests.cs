using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Rows;

/// <summary>
/// Listings are in uid order. Uids the library makes are version 7 (time first), so rows created in
/// different milliseconds list in creation order; rows of one bulk call share milliseconds, and list
/// by uid, not in the order they were given (docs/http-api-v1.md says so).
/// </summary>
[TestFixture(Db.Sqlite, PortfolioMode.Library)]
[TestFixture(Db.Postgres, PortfolioMode.Library)]
[TestFixture(Db.PostgresPartitioned, PortfolioMode.Library)]
[TestFixture(Db.Sqlite, PortfolioMode.Host)]
[TestFixture(Db.Postgres, PortfolioMode.Host)]
public sealed class ListingOrderTests(Db db, PortfolioMode portfolioMode) : DatabaseTest(db, null, portfolioMode)
{
    [Test]
    public async Task Rows_of_one_bulk_call_list_by_uid_not_in_the_order_they_were_given()
    {
        IgnorePortfolioWritesInHostMode();
        var marker = Unique("order");
        var given = Enumerable.Range(0, 2_000).Select(i => $"{marker}-{i:D4}").ToList();
        await Portfolio.UpsertManyAsync(Store, given.Select(id => new PortfolioUpsert(id)));

        var listed = new List<Portfolio>();
        await foreach (var portfolio in Portfolio.StreamAsync(Store, new PortfolioFilter { Search = marker }))
        {
            listed.Add(portfolio);
        }

        listed.Should().HaveCount(given.Count);
        listed.Select(p => p.Uid.ToString("D")).Should().BeInAscendingOrder(StringComparer.Ordinal, "every listing is in uid order");
        listed.Select(p => p.Uid.Version).Should().OnlyContain(v => v == 7);
        listed.Select(p => p.UniqueIdentifier).Should().NotEqual(given, "2,000 uids made within a few milliseconds order by their random part, not by input position");
    }

    [Test]
    public async Task Rows_created_in_different_milliseconds_list_in_creation_order()
    {
        var marker = Unique("created");
        var created = new List<Portfolio>();
        for (var i = 0; i < 5; i++)
        {
            created.Add(await AddPortfolioAsync($"{marker}-{4 - i}"));
            await Task.Delay(5);
        }

        var listed = new List<Portfolio>();
        await foreach (var portfolio in Portfolio.StreamAsync(Store, new PortfolioFilter { Search = marker }))
        {
            listed.Add(portfolio);
        }

        listed.Select(p => p.UniqueIdentifier).Should().Equal(created.Select(p => p.UniqueIdentifier), "later milliseconds, later uids");
    }
}
