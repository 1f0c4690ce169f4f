using System.Net;
using System.Text.Json.Nodes;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>The keyset walk of a group's portfolios (the <c>cursor</c> extension of a resource collection), on both databases.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class KeysetWalkTests(Db db) : ApiTest(db)
{
    private const string Groups = "/api/v1/portfolio-group/";

    private async Task<(string Url, List<Guid> Members)> GroupOfAsync(int members)
    {
        var prefix = Unique("walk");
        var group = await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = prefix, display_name = "Walk" }))).ReadNodeAsync(HttpStatusCode.Created);
        var uids = new List<Guid>();
        for (var i = 0; i < members; i++)
        {
            // Unique identifiers in the opposite order of nothing in particular: the walk must follow uids.
            var portfolio = await (await Client.PostAsync("/api/v1/portfolio/", Calls.Json(new { unique_identifier = $"{prefix}-{(char)('z' - i)}" }))).ReadNodeAsync(HttpStatusCode.Created);
            uids.Add(portfolio.Uid());
        }

        var url = $"{Groups}{group.Uid()}/portfolios/";
        await (await Client.PostAsync($"{url}bulk-add/", Calls.Json(new { portfolio_uids = uids }))).ReadNodeAsync(HttpStatusCode.OK);
        return (url, uids);
    }

    [Test]
    public async Task An_empty_cursor_starts_a_walk_in_uid_order_that_follows_Link_next_with_valid_page_info()
    {
        var (url, members) = await GroupOfAsync(5);
        var seen = new List<Guid>();
        var next = $"{url}?cursor=&limit=2";
        var index = 0;
        while (next is not null)
        {
            var response = await Client.GetAsync(next);
            var page = await response.ReadNodeAsync(HttpStatusCode.OK);
            Contract.ResourceCollection(page, Contract.PortfolioFields);
            var info = page["pageInfo"]!;
            info.Long("pageIndex").Should().Be(index);
            info.Long("pageSize").Should().Be(2);
            info.Long("totalItems").Should().Be(5);
            info["hasPreviousPage"]!.GetValue<bool>().Should().Be(index > 0);
            info["hasNextPage"]!.GetValue<bool>().Should().Be(index < 2);
            seen.AddRange(page["items"]!.AsArray().Select(p => p!.Uid()));

            next = null;
            if (response.Headers.TryGetValues("Link", out var links))
            {
                var link = links.Single();
                link.Should().MatchRegex("^<[^>]+>; rel=\"next\"$");
                next = link[1..link.IndexOf('>', StringComparison.Ordinal)];
                next.Should().StartWith(url).And.Contain("limit=2");
            }

            index++;
        }

        index.Should().Be(3, "5 rows in pages of 2 make 3 pages, the last without Link");
        seen.Should().Equal(members.Order(), "the walk is in portfolio uid order");
    }

    [Test]
    public async Task A_client_that_never_sends_cursor_sees_offset_pages_in_msm_order_and_no_Link()
    {
        var (url, members) = await GroupOfAsync(3);
        var response = await Client.GetAsync($"{url}?limit=2");
        var page = await response.ReadNodeAsync(HttpStatusCode.OK);
        response.Headers.Contains("Link").Should().BeFalse();
        page["items"]!.AsArray().Select(p => p!.Uid()).Should().Equal(new[] { members[2], members[1] }, "msm orders a group's portfolios by unique identifier");
    }

    [Test]
    public async Task A_walk_refuses_an_offset_a_foreign_cursor_or_a_changed_limit_by_name_and_404s_an_unknown_group()
    {
        var (url, _) = await GroupOfAsync(3);
        (await (await Client.GetAsync($"{url}?cursor=&offset=0")).ValidationErrorsAsync()).Should().Equal("offset");
        (await (await Client.GetAsync($"{url}?cursor=nonsense")).ValidationErrorsAsync()).Should().Equal("cursor");
        (await (await Client.GetAsync($"{url}?cursor=0.2.abc")).ValidationErrorsAsync()).Should().Equal("cursor");

        var first = await Client.GetAsync($"{url}?cursor=&limit=2");
        var link = first.Headers.GetValues("Link").Single();
        var next = link[1..link.IndexOf('>', StringComparison.Ordinal)];
        (await (await Client.GetAsync(next.Replace("limit=2", "limit=3", StringComparison.Ordinal))).ValidationErrorsAsync()).Should().Equal("limit");
        (await (await Client.GetAsync(next.Replace("limit=2", "", StringComparison.Ordinal).TrimEnd('&'))).ReadNodeAsync(HttpStatusCode.OK))["pageInfo"]!.Long("pageSize")
            .Should().Be(2, "a cursor keeps its own limit when none is given");

        await (await Client.GetAsync($"{Groups}{Guid.NewGuid()}/portfolios/?cursor=")).ProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_document_describes_the_cursor_parameter_and_the_Link_header()
    {
        var document = await (await Client.GetAsync("/openapi/v1.json")).ReadNodeAsync(HttpStatusCode.OK);
        var operation = document["paths"]!["/api/v1/portfolio-group/{uid}/portfolios"]!["get"]!;
        operation["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().Contain("cursor");
        operation["responses"]!["200"]!["headers"]!["Link"]!["description"]!.GetValue<string>().Should().Contain("rel=\"next\"");
        var groups = document["paths"]!["/api/v1/portfolio-group"]!["get"]!;
        groups["parameters"]!.AsArray().Select(p => p!["name"]!.GetValue<string>()).Should().NotContain("cursor", "only a group's portfolios are walked");
    }
}
