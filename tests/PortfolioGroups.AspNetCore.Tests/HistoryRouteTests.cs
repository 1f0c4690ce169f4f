using System.Net;
using System.Text.Json.Nodes;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// The membership history over HTTP, through the web sample, on both databases: <c>as_of</c> on the
/// two relationship lists and the member counts, the change logs of a group and of a portfolio, and
/// bad instants refused with a 400 naming the field. Every answer is checked against the OpenAPI
/// document by the test client.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HistoryRouteTests(Db db) : ApiTest(db)
{
    private const string Groups = "/api/v1/portfolio-group/";
    private const string Portfolios = "/api/v1/portfolio/";

    private async Task<Guid> CreateGroupAsync(string id) =>
        (await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = "Group" }))).ReadNodeAsync(HttpStatusCode.Created)).Uid();

    private async Task<Guid> CreatePortfolioAsync(string id) =>
        (await (await Client.PostAsync(Portfolios, Calls.Json(new { unique_identifier = id }))).ReadNodeAsync(HttpStatusCode.Created)).Uid();

    private async Task<JsonArray> ItemsAsync(string path, HttpStatusCode expected = HttpStatusCode.OK) =>
        (await (await Client.GetAsync(path)).ReadNodeAsync(expected))["items"]!.AsArray();

    private static string At(DateTimeOffset instant) => Uri.EscapeDataString(instant.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The latest instant in a group's history (an opening or a closing), read from its change log.</summary>
    private async Task<DateTimeOffset> LatestChangeAsync(Guid group)
    {
        var items = await ItemsAsync($"{Groups}{group}/portfolios/history/?limit=500");
        return items.Select(i => DateTimeOffset.Parse(i!["valid_to"]?.GetValue<string>() ?? i["valid_from"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture)).DefaultIfEmpty().Max();
    }

    [Test]
    public async Task As_of_lists_and_counts_answer_as_the_memberships_were_then_also_after_the_group_is_deleted()
    {
        var groupId = Unique("backtest");
        var group = await CreateGroupAsync(groupId);
        var a = await CreatePortfolioAsync(Unique("a"));
        var b = await CreatePortfolioAsync(Unique("b"));
        var before = await LatestChangeAsync(group) is var none && none == default ? DateTimeOffset.UtcNow.AddMinutes(-1) : none;
        (await Client.PutAsync($"{Groups}{group}/portfolios/", Calls.Json(new { portfolio_uids = new[] { a, b } }))).StatusCode.Should().Be(HttpStatusCode.OK);
        var then = await LatestChangeAsync(group);
        await Task.Delay(5);
        (await Client.DeleteAsync($"{Groups}{group}/portfolios/{a}/")).StatusCode.Should().Be(HttpStatusCode.OK);

        var asOf = await ItemsAsync($"{Groups}{group}/portfolios/?as_of={At(then)}");
        asOf.Select(i => i!.Uid("portfolio_uid")).Should().BeEquivalentTo([a, b]);
        asOf[0]!.AsObject().Select(p => p.Key).Should().Equal("membership_uid", "portfolio_group_uid", "group_unique_identifier", "portfolio_uid", "portfolio_unique_identifier", "valid_from", "valid_to");
        asOf.Should().OnlyContain(i => i!.Text("group_unique_identifier") == groupId);
        (await ItemsAsync($"{Groups}{group}/portfolios/")).Select(i => i!.Uid()).Should().Equal(b);
        (await ItemsAsync($"{Groups}by-portfolio/{a}/?as_of={At(then)}")).Select(i => i!.Uid("portfolio_group_uid")).Should().Equal(group);
        (await ItemsAsync($"{Groups}by-portfolio/{a}/")).Should().BeEmpty();

        var page = await (await Client.GetAsync($"{Groups}{group}/portfolios/?as_of={At(then)}&limit=1&offset=1")).ReadNodeAsync(HttpStatusCode.OK);
        page["items"]!.AsArray().Should().ContainSingle();
        page["pageInfo"]!.Long("totalItems").Should().Be(2);
        page["pageInfo"]!["hasPreviousPage"]!.GetValue<bool>().Should().BeTrue();

        var counts = await (await Client.GetAsync($"{Groups}counts/?group_uids={group}&as_of={At(then)}")).ReadNodeAsync(HttpStatusCode.OK);
        counts[group.ToString()]!.GetValue<long>().Should().Be(2);
        (await (await Client.GetAsync($"{Groups}counts/?group_uids={group}")).ReadNodeAsync(HttpStatusCode.OK))[group.ToString()]!.GetValue<long>().Should().Be(1);
        (await (await Client.GetAsync($"{Groups}counts/?group_uids={group}&as_of={At(before)}")).ReadNodeAsync(HttpStatusCode.OK))[group.ToString()]!.GetValue<long>().Should().Be(0);

        (await Client.DeleteAsync($"{Groups}{group}/")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await ItemsAsync($"{Groups}{group}/portfolios/?as_of={At(then)}")).Should().HaveCount(2, "the history outlives the group");
        (await ItemsAsync($"{Groups}{group}/portfolios/?as_of={At(before)}")).Should().BeEmpty("a group known to the history answers an empty list before its members");
        await (await Client.GetAsync($"{Groups}{group}/portfolios/")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"{Groups}{Guid.CreateVersion7()}/portfolios/?as_of={At(then)}")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"{Groups}by-portfolio/{Guid.CreateVersion7()}/?as_of={At(then)}")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_change_logs_of_a_group_and_a_portfolio_page_by_offset_and_keep_a_deleted_portfolio()
    {
        var group = await CreateGroupAsync(Unique("log"));
        var ids = Enumerable.Range(0, 3).Select(i => Unique($"p{i}")).ToList();
        var portfolios = new List<Guid>();
        foreach (var id in ids)
        {
            portfolios.Add(await CreatePortfolioAsync(id));
        }

        foreach (var portfolio in portfolios)
        {
            (await Client.PostAsync($"{Groups}{group}/portfolios/", Calls.Json(new { portfolio_uid = portfolio }))).StatusCode.Should().Be(HttpStatusCode.OK);
        }

        (await Client.DeleteAsync($"{Portfolios}{portfolios[0]}/")).StatusCode.Should().Be(HttpStatusCode.OK);

        var all = await ItemsAsync($"{Groups}{group}/portfolios/history/");
        all.Select(i => i!.Text("portfolio_unique_identifier")).Should().Equal(ids, "in the order the intervals opened");
        all[0]!["valid_to"].Should().NotBeNull("the deleted portfolio's interval closed");
        all[1]!["valid_to"].Should().BeNull();

        var second = await (await Client.GetAsync($"{Groups}{group}/portfolios/history/?limit=1&offset=1")).ReadNodeAsync(HttpStatusCode.OK);
        second["items"]!.AsArray().Single()!.Text("portfolio_unique_identifier").Should().Be(ids[1]);
        second["pageInfo"]!.Long("totalItems").Should().Be(3);
        second["pageInfo"]!["hasNextPage"]!.GetValue<bool>().Should().BeTrue();

        var closedAt = DateTimeOffset.Parse(all[0]!.Text("valid_to"), System.Globalization.CultureInfo.InvariantCulture);
        (await ItemsAsync($"{Groups}{group}/portfolios/history/?from={At(closedAt)}")).Should().HaveCount(2, "the closed interval ended at from");
        (await ItemsAsync($"{Groups}{group}/portfolios/history/?to={At(DateTimeOffset.UnixEpoch)}")).Should().BeEmpty();

        var deleted = await ItemsAsync($"{Groups}by-portfolio/{portfolios[0]}/history/");
        deleted.Should().ContainSingle().Which!.Uid("portfolio_group_uid").Should().Be(group);
        await (await Client.GetAsync($"{Groups}by-portfolio/{Guid.CreateVersion7()}/history/")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"{Groups}{Guid.CreateVersion7()}/portfolios/history/")).ProblemAsync(HttpStatusCode.NotFound);
        (await ItemsAsync($"{Groups}{await CreateGroupAsync(Unique("empty"))}/portfolios/history/")).Should().BeEmpty("a group that exists has an empty history");
    }

    [TestCase("as_of", "yesterday")]
    [TestCase("as_of", "2026-06-30")]
    [TestCase("as_of", "2026-06-30T00:00:00")]
    [TestCase("as_of", "2026-02-30T00:00:00Z")]
    [TestCase("as_of", "2026-06-30T00:00:00.123456789Z")]
    public async Task A_bad_instant_is_a_400_naming_the_field_on_every_route_that_takes_one(string field, string value)
    {
        var group = await CreateGroupAsync(Unique("bad"));
        var portfolio = await CreatePortfolioAsync(Unique("bad"));
        var text = Uri.EscapeDataString(value);
        foreach (var path in new[]
                 {
                     $"{Groups}{group}/portfolios/?as_of={text}",
                     $"{Groups}by-portfolio/{portfolio}/?as_of={text}",
                     $"{Groups}counts/?as_of={text}",
                     $"{Groups}{group}/portfolios/history/?from={text}",
                     $"{Groups}by-portfolio/{portfolio}/history/?to={text}",
                 })
        {
            var errors = await (await Client.GetAsync(path)).ValidationErrorsAsync();
            var expected = path.Contains("?from=", StringComparison.Ordinal) ? "from" : path.Contains("?to=", StringComparison.Ordinal) ? "to" : field;
            errors.Should().Equal(new[] { expected }, path);
        }
    }

    [Test]
    public async Task An_instant_range_backwards_and_as_of_with_a_cursor_are_refused_and_an_unencoded_plus_is_read_as_plus()
    {
        var group = await CreateGroupAsync(Unique("range"));
        (await (await Client.GetAsync($"{Groups}{group}/portfolios/history/?from=2026-06-30T00:00:00Z&to=2026-06-29T00:00:00Z")).ValidationErrorsAsync()).Should().Equal("to");
        (await (await Client.GetAsync($"{Groups}{group}/portfolios/?as_of=2026-06-30T00:00:00Z&cursor=")).ValidationErrorsAsync()).Should().Equal("cursor");
        (await Client.GetAsync($"{Groups}{group}/portfolios/?as_of=2026-06-30T02:00:00+02:00")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Client.GetAsync($"{Groups}{group}/portfolios/?as_of=")).StatusCode.Should().Be(HttpStatusCode.OK, "an empty as_of is the list as it is now");
    }
}
