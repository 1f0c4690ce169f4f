using System.Net;
using System.Text.Json.Nodes;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>
/// The scenarios of msm's own route tests for the v1 portfolio-group router, replayed against this
/// server with real rows (msm replaces its services with fakes; here the library answers). Where
/// the answer differs by design (201 for a new group), the test says so.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class MsmScenarioTests(Db db) : ApiTest(db)
{
    private const string Groups = "/api/v1/portfolio-group/";

    private async Task<JsonNode> CreateGroupAsync(string id) =>
        await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = "Core Portfolios", description = "Core portfolio group" }))).ReadNodeAsync(HttpStatusCode.Created);

    private async Task<JsonNode> CreatePortfolioAsync(string id) =>
        await (await Client.PostAsync("/api/v1/portfolio/", Calls.Json(new { unique_identifier = id }))).ReadNodeAsync(HttpStatusCode.Created);

    private static JsonObject FirstPageInfo(long total) => new()
    {
        ["pageIndex"] = 0,
        ["pageSize"] = 50,
        ["totalItems"] = total,
        ["hasNextPage"] = false,
        ["hasPreviousPage"] = false,
    };

    [Test]
    public async Task List_portfolio_groups_returns_paginated_groups()
    {
        var id = Unique("core-portfolios");
        var group = await CreateGroupAsync(id);

        var body = await (await Client.GetAsync($"{Groups}?search={id}&limit=50&offset=0")).ReadNodeAsync(HttpStatusCode.OK);

        var expected = new JsonObject
        {
            ["items"] = new JsonArray(new JsonObject
            {
                ["uid"] = group.Uid().ToString(),
                ["unique_identifier"] = id,
                ["display_name"] = "Core Portfolios",
                ["description"] = "Core portfolio group",
                ["metadata_json"] = null,
            }),
            ["pageInfo"] = FirstPageInfo(1),
        };
        JsonNode.DeepEquals(body, expected).Should().BeTrue(body.ToJsonString());
    }

    [Test]
    public async Task Create_portfolio_group_returns_group()
    {
        var id = Unique("core-portfolios");
        var response = await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = "Core Portfolios" }));

        // msm answers 200; a new group here is 201 Created (with Location), an existing one 200.
        var created = await response.ReadNodeAsync(HttpStatusCode.Created);
        var again = await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = "Core Portfolios" }))).ReadNodeAsync(HttpStatusCode.OK);
        again.Uid().Should().Be(created.Uid());
    }

    [Test]
    public async Task Add_portfolio_to_group_returns_membership()
    {
        var group = await CreateGroupAsync(Unique("core"));
        var portfolio = await CreatePortfolioAsync(Unique("portfolio-alpha"));

        var membership = await (await Client.PostAsync($"{Groups}{group.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = portfolio.Uid() }))).ReadNodeAsync(HttpStatusCode.OK);

        membership.AsObject().Select(p => p.Key).Should().Equal("uid", "portfolio_group_uid", "portfolio_uid");
        membership.Uid("portfolio_group_uid").Should().Be(group.Uid());
        membership.Uid("portfolio_uid").Should().Be(portfolio.Uid());
    }

    [Test]
    public async Task List_portfolios_in_group_returns_paginated_portfolios()
    {
        var group = await CreateGroupAsync(Unique("core"));
        var id = Unique("portfolio-alpha");
        var portfolio = await CreatePortfolioAsync(id);
        await Client.PostAsync($"{Groups}{group.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = portfolio.Uid() }));

        var body = await (await Client.GetAsync($"{Groups}{group.Uid()}/portfolios/")).ReadNodeAsync(HttpStatusCode.OK);

        body["items"]![0]!.Text("unique_identifier").Should().Be(id);
        JsonNode.DeepEquals(body["pageInfo"], FirstPageInfo(1)).Should().BeTrue(body.ToJsonString());
    }

    [Test]
    public async Task List_groups_for_portfolio_returns_paginated_groups()
    {
        var id = Unique("core-portfolios");
        var group = await CreateGroupAsync(id);
        var portfolio = await CreatePortfolioAsync(Unique("portfolio-alpha"));
        await Client.PostAsync($"{Groups}{group.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = portfolio.Uid() }));

        var body = await (await Client.GetAsync($"{Groups}by-portfolio/{portfolio.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK);

        body["items"]![0]!.Text("unique_identifier").Should().Be(id);
        JsonNode.DeepEquals(body["pageInfo"], FirstPageInfo(1)).Should().BeTrue(body.ToJsonString());
    }

    [Test]
    public async Task Bulk_delete_portfolio_groups_returns_deleted_count()
    {
        var group = await CreateGroupAsync(Unique("core"));

        var body = await (await Client.PostAsync($"{Groups}bulk-delete/", Calls.Json(new { selection = new { mode = "explicit", uids = new[] { group.Uid().ToString() } }, options = new { } }))).ReadNodeAsync(HttpStatusCode.OK);

        JsonNode.DeepEquals(body, new JsonObject { ["detail"] = "Deleted 1 portfolio group.", ["deleted_count"] = 1 }).Should().BeTrue(body.ToJsonString());
        (await Client.GetAsync($"{Groups}{group.Uid()}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task The_scenarios_with_uids_that_name_no_row_differ_by_design()
    {
        // msm's scenarios call with random uids against fakes that answer as if they named rows.
        // Against real rows, a uid that names nothing is a 404 (a 409 for the bulk delete), never
        // an empty or made-up answer.
        var nothing = Guid.NewGuid();
        var portfolio = await CreatePortfolioAsync(Unique("portfolio-alpha"));
        await (await Client.GetAsync($"{Groups}{nothing}/portfolios/")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"{Groups}by-portfolio/{nothing}/")).ProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsync($"{Groups}{nothing}/portfolios/", Calls.Json(new { portfolio_uid = portfolio.Uid() }))).ProblemAsync(HttpStatusCode.NotFound);
        var blocked = await (await Client.PostAsync($"{Groups}bulk-delete/", Calls.Json(new { selection = new { mode = "explicit", uids = new[] { nothing.ToString() } }, options = new { } }))).ProblemAsync(HttpStatusCode.Conflict);
        blocked.Text("detail").Should().Contain(nothing.ToString());
    }
}
