using System.Net;
using System.Text.Json.Nodes;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>Every v1 route, through the web sample, on both databases.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class RouteTests(Db db) : ApiTest(db)
{
    private const string Groups = "/api/v1/portfolio-group/";
    private const string Portfolios = "/api/v1/portfolio/";

    private async Task<JsonNode> CreateGroupAsync(string id, string displayName = "Group") =>
        await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = displayName }))).ReadNodeAsync(HttpStatusCode.Created);

    private async Task<JsonNode> CreatePortfolioAsync(string id) =>
        await (await Client.PostAsync(Portfolios, Calls.Json(new { unique_identifier = id }))).ReadNodeAsync(HttpStatusCode.Created);

    [Test]
    public async Task Creating_a_group_answers_201_with_its_location_and_the_same_identifier_again_changes_only_what_it_gives_with_200()
    {
        var id = Unique("crypto");
        var created = await Client.PostAsync(Groups, Calls.Json($$$"""{"unique_identifier":"{{{id}}}","display_name":"Crypto","description":"d","metadata_json":{"region":"EU"}}"""));
        var group = await created.ReadNodeAsync(HttpStatusCode.Created);
        created.Headers.Location!.ToString().Should().Be($"{Groups}{group.Uid()}/");
        group.Text("unique_identifier").Should().Be(id);
        group["metadata_json"]!["region"]!.GetValue<string>().Should().Be("EU");
        group.AsObject().Select(p => p.Key).Should().Equal("uid", "unique_identifier", "display_name", "description", "metadata_json");

        var again = await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = "Crypto 2" }))).ReadNodeAsync(HttpStatusCode.OK);
        again.Uid().Should().Be(group.Uid());
        again.Text("display_name").Should().Be("Crypto 2");
        again.Text("description").Should().Be("d", "a field the body leaves out keeps its stored value");
        again["metadata_json"]!["region"]!.GetValue<string>().Should().Be("EU");

        var nulls = await (await Client.PostAsync(Groups, Calls.Json($$$"""{"unique_identifier":"{{{id}}}","display_name":"Crypto 3","description":null,"metadata_json":null}"""))).ReadNodeAsync(HttpStatusCode.OK);
        nulls.Text("description").Should().Be("d", "null is \"not given\" on create; PATCH clears");
        nulls["metadata_json"]!["region"]!.GetValue<string>().Should().Be("EU");

        var read = await (await Client.GetAsync($"{Groups}{group.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK);
        read.Text("display_name").Should().Be("Crypto 3");
        read.Text("description").Should().Be("d");
    }

    [Test]
    public async Task Trailing_slashes_are_optional()
    {
        var group = await CreateGroupAsync(Unique("slash"));
        (await Client.GetAsync($"/api/v1/portfolio-group/{group.Uid()}")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Client.GetAsync($"/api/v1/portfolio-group/{group.Uid()}/")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Client.GetAsync("/api/v1/portfolio-group")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Client.GetAsync("/api/v1/portfolio-group/counts")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Listing_groups_pages_by_limit_and_offset_in_display_name_order_with_page_info()
    {
        var prefix = Unique("page");
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await CreateGroupAsync($"{prefix}-{i}", $"{prefix} {(char)('E' - i)}")).Uid());
        }

        // Display names E..A, created in that order: the listing follows the display names.
        var seen = new List<Guid>();
        for (var offset = 0; offset < 6; offset += 2)
        {
            var page = await (await Client.GetAsync($"{Groups}?search={prefix}&limit=2&offset={offset}")).ReadNodeAsync(HttpStatusCode.OK);
            Contract.ResourceCollection(page, Contract.GroupFields);
            page["pageInfo"]!.Long("pageIndex").Should().Be(offset / 2);
            page["pageInfo"]!.Long("totalItems").Should().Be(5);
            page["pageInfo"]!["hasNextPage"]!.GetValue<bool>().Should().Be(offset < 4);
            page["pageInfo"]!["hasPreviousPage"]!.GetValue<bool>().Should().Be(offset > 0);
            seen.AddRange(page["items"]!.AsArray().Select(g => g!.Uid()));
        }

        seen.Should().Equal(Enumerable.Reverse(created));

        await Client.PatchAsync($"{Groups}{(await CreateGroupAsync($"{prefix}-named")).Uid()}/", Calls.Json(new { display_name = $"{prefix} Named" }));
        var named = await (await Client.GetAsync($"{Groups}?display_name={Uri.EscapeDataString($"{prefix} Named")}")).ReadNodeAsync(HttpStatusCode.OK);
        named["items"]!.AsArray().Select(g => g!.Text("unique_identifier")).Should().Equal($"{prefix}-named");

        var one = await (await Client.GetAsync($"{Groups}?unique_identifier={prefix}-3&display_name=&search=")).ReadNodeAsync(HttpStatusCode.OK);
        one["items"]!.AsArray().Select(g => g!.Text("unique_identifier")).Should().Equal($"{prefix}-3");
        one["pageInfo"]!["hasNextPage"]!.GetValue<bool>().Should().BeFalse();

        var empty = await (await Client.GetAsync($"{Groups}?unique_identifier=&search={prefix}")).ReadNodeAsync(HttpStatusCode.OK);
        empty["pageInfo"]!.Long("totalItems").Should().Be(6, "an empty filter value is no filter");
    }

    [Test]
    public async Task Bad_paging_and_unknown_query_parameters_are_400_naming_the_parameter()
    {
        (await (await Client.GetAsync($"{Groups}?limit=0")).ValidationErrorsAsync()).Should().Equal("limit");
        (await (await Client.GetAsync($"{Groups}?limit=501")).ValidationErrorsAsync()).Should().Equal("limit");
        (await (await Client.GetAsync($"{Groups}?limit=ten")).ValidationErrorsAsync()).Should().Equal("limit");
        (await (await Client.GetAsync($"{Groups}?offset=-50")).ValidationErrorsAsync()).Should().Equal("offset");
        (await (await Client.GetAsync($"{Groups}?limit=10&offset=15")).ValidationErrorsAsync()).Should().Equal("offset");
        (await (await Client.GetAsync($"{Groups}?cursor=abc")).ValidationErrorsAsync()).Should().Equal("cursor");
        (await (await Client.GetAsync($"{Groups}?unique_identifiers=a")).ValidationErrorsAsync()).Should().Equal("unique_identifiers");
        (await (await Client.GetAsync($"{Groups}?limit=1&limit=2")).ValidationErrorsAsync()).Should().Equal("limit");
        (await (await Client.GetAsync($"{Groups}{Guid.NewGuid()}/?x=1")).ValidationErrorsAsync()).Should().Equal("x");
        (await (await Client.GetAsync($"{Portfolios}?in_all_groups=x")).ValidationErrorsAsync()).Should().Equal("in_all_groups[0]");
        (await (await Client.GetAsync($"{Groups}?unique_identifier=%01")).ValidationErrorsAsync()).Should().Equal("unique_identifier");
        (await (await Client.GetAsync($"{Portfolios}?unique_identifier=%01")).ValidationErrorsAsync()).Should().Equal("unique_identifier");
        var problem = await (await Client.GetAsync($"{Groups}?limit=0")).ProblemAsync(HttpStatusCode.BadRequest);
        problem.Text("detail").Should().StartWith("limit: Must be a whole number", "detail is a string msm's clients can show");
    }

    [Test]
    public async Task Discovery_documents_describe_each_list_and_are_routed_before_uids()
    {
        var groups = await (await Client.GetAsync($"{Groups}discovery/")).ReadNodeAsync(HttpStatusCode.OK);
        Contract.Discovery(groups);
        groups["resource"]!.Text("id").Should().Be("portfolio-groups");
        var action = groups["bulk_actions"]![0]!;
        action.Text("endpoint").Should().Be($"{Groups}bulk-delete/");
        action.Text("preflight_endpoint").Should().Be($"{Groups}bulk-delete/preflight/");
        action["selection_modes"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal("explicit");
        groups["list"]!["controls"]!["filters"]!.AsArray().Select(f => f!.Text("key")).Should().Equal("unique_identifier", "display_name");
        (await Client.GetAsync($"{Groups}discovery")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await Client.GetAsync($"{Groups}discovery/?search=x&unique_identifier=y")).StatusCode.Should().Be(HttpStatusCode.OK);
        (await (await Client.GetAsync($"{Groups}discovery/?limit=5")).ValidationErrorsAsync()).Should().Equal("limit");

        var members = await (await Client.GetAsync($"{Groups}{Guid.NewGuid()}/portfolios/discovery/")).ReadNodeAsync(HttpStatusCode.OK);
        Contract.Discovery(members);
        members["resource"]!.Text("id").Should().Be("portfolios-in-group");
        members["list"]!["columns"]!.AsArray().Select(c => c!.Text("value_path")).Should().BeSubsetOf(Contract.PortfolioFields);

        var ofPortfolio = await (await Client.GetAsync($"{Groups}by-portfolio/{Guid.NewGuid()}/discovery/")).ReadNodeAsync(HttpStatusCode.OK);
        Contract.Discovery(ofPortfolio);
        ofPortfolio["resource"]!.Text("id").Should().Be("groups-for-portfolio");
        ofPortfolio["list"]!["columns"]!.AsArray().Select(c => c!.Text("value_path")).Should().BeSubsetOf(Contract.GroupFields);
        (await (await Client.GetAsync($"{Groups}by-portfolio/nope/discovery/")).ValidationErrorsAsync()).Should().Equal("portfolio_uid");
    }

    [Test]
    public async Task Patching_a_group_changes_only_the_fields_given_and_null_clears()
    {
        var id = Unique("patch");
        var group = await (await Client.PostAsync(Groups, Calls.Json($$$"""{"unique_identifier":"{{{id}}}","display_name":"P","description":"keep","metadata_json":{"a":1}}"""))).ReadNodeAsync(HttpStatusCode.Created);
        var url = $"{Groups}{group.Uid()}/";

        var renamed = await (await Client.PatchAsync(url, Calls.Json("""{"display_name":"Renamed"}"""))).ReadNodeAsync(HttpStatusCode.OK);
        renamed.Text("display_name").Should().Be("Renamed");
        renamed.Text("description").Should().Be("keep");

        var cleared = await (await Client.PatchAsync(url, Calls.Json("""{"description":null,"metadata_json":null}"""))).ReadNodeAsync(HttpStatusCode.OK);
        cleared["description"].Should().BeNull();
        cleared["metadata_json"].Should().BeNull();
        cleared.Text("display_name").Should().Be("Renamed");

        (await (await Client.PatchAsync(url, Calls.Json("""{"display_name":null}"""))).ValidationErrorsAsync()).Should().Equal("display_name");
        var wrongType = await (await Client.PatchAsync(url, Calls.Json("""{"display_name":5}"""))).ProblemAsync(HttpStatusCode.BadRequest);
        wrongType["errors"]!["display_name"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal("Must be a string, not a JSON number.");
        (await (await Client.PatchAsync(url, Calls.Json($$"""{"display_name":"{{new string('x', 256)}}"}"""))).ValidationErrorsAsync()).Should().Equal("display_name");
        (await (await Client.PatchAsync($"{Groups}{Guid.NewGuid()}/", Calls.Json("""{"display_name":"x"}"""))).ProblemAsync(HttpStatusCode.NotFound))
            .Text("detail").Should().Contain("No PortfolioGroup row");
    }

    [Test]
    public async Task Getting_a_missing_group_is_404_and_a_bad_uid_is_400()
    {
        var missing = await (await Client.GetAsync($"{Groups}{Guid.NewGuid()}/")).ProblemAsync(HttpStatusCode.NotFound);
        missing.Text("detail").Should().Contain("No PortfolioGroup row");
        (await (await Client.GetAsync($"{Groups}12345/")).ValidationErrorsAsync()).Should().Equal("uid");
    }

    [Test]
    public async Task Deleting_a_group_reports_the_count_and_keeps_its_portfolios()
    {
        var group = await CreateGroupAsync(Unique("del"));
        var portfolio = await CreatePortfolioAsync(Unique("del-p"));
        await Client.PostAsync($"{Groups}{group.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = portfolio.Uid() }));

        var deleted = await (await Client.DeleteAsync($"{Groups}{group.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK);
        deleted.Long("deleted_count").Should().Be(1);
        deleted.Text("detail").Should().Be("Deleted 1 portfolio group.");
        (await (await Client.DeleteAsync($"{Groups}{group.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK)).Long("deleted_count").Should().Be(0);
        (await Client.GetAsync($"{Portfolios}{portfolio.Uid()}/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    private static object Explicit(params Guid[] uids) => new { selection = new { mode = "explicit", uids }, options = new { } };

    [Test]
    public async Task Preflight_lists_the_blockers_and_the_execution_deletes_all_or_nothing()
    {
        var a = await CreateGroupAsync(Unique("bulk-a"));
        var b = await CreateGroupAsync(Unique("bulk-b"));
        var p = await CreatePortfolioAsync(Unique("bulk-p"));
        await Client.PostAsync($"{Groups}{a.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = p.Uid() }));
        await Client.PostAsync($"{Groups}{b.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = p.Uid() }));
        var missing = Guid.NewGuid();

        var preflight = await (await Client.PostAsync($"{Groups}bulk-delete/preflight/", Calls.Json(Explicit(a.Uid(), b.Uid())))).ReadNodeAsync(HttpStatusCode.OK);
        Contract.Preflight(preflight);
        preflight["allowed"]!.GetValue<bool>().Should().BeTrue();
        preflight.Long("matched_count").Should().Be(2);
        preflight.Long("membership_count").Should().Be(2);
        preflight.Text("detail").Should().Be("2 portfolio groups are ready for deletion.");
        (await Client.GetAsync($"{Groups}{a.Uid()}/")).StatusCode.Should().Be(HttpStatusCode.OK, "the preflight deletes nothing");

        var blocked = await (await Client.PostAsync($"{Groups}bulk-delete/preflight/", Calls.Json(Explicit(a.Uid(), missing)))).ReadNodeAsync(HttpStatusCode.OK);
        Contract.Preflight(blocked);
        blocked["allowed"]!.GetValue<bool>().Should().BeFalse();
        blocked["blockers"]!.AsArray().Select(m => m!.GetValue<string>()).Should().Equal($"Portfolio group {missing} was not found.");

        var conflict = await (await Client.PostAsync($"{Groups}bulk-delete/", Calls.Json(Explicit(a.Uid(), missing)))).ProblemAsync(HttpStatusCode.Conflict);
        conflict.Text("detail").Should().Be($"Portfolio group {missing} was not found.");
        (await Client.GetAsync($"{Groups}{a.Uid()}/")).StatusCode.Should().Be(HttpStatusCode.OK, "a blocked execution deletes nothing");

        var deleted = await (await Client.PostAsync($"{Groups}bulk-delete/", Calls.Json(Explicit(a.Uid(), b.Uid())))).ReadNodeAsync(HttpStatusCode.OK);
        deleted.Long("deleted_count").Should().Be(2);
        deleted.Text("detail").Should().Be("Deleted 2 portfolio groups.");
        (await Client.GetAsync($"{Portfolios}{p.Uid()}/")).StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Bulk_action_bodies_other_than_an_explicit_selection_without_options_are_400_saying_so()
    {
        async Task<JsonNode> RefusedAsync(string json) =>
            await (await Client.PostAsync($"{Groups}bulk-delete/", Calls.Json(json))).ProblemAsync(HttpStatusCode.BadRequest);

        var uid = Guid.NewGuid();
        (await RefusedAsync("{}"))["errors"]!.AsObject().Select(e => e.Key).Should().BeEquivalentTo("selection", "options");
        (await RefusedAsync("""{"selection":{"mode":"all_matching","query":{"filters":{}}},"options":{}}""")).Text("detail").Should().Contain("supports only explicit UID selection");
        (await RefusedAsync($$$"""{"selection":{"mode":"explicit","uids":["{{{uid}}}"]},"options":{"cascade":true}}""")).Text("detail").Should().Contain("does not support options: cascade");
        (await RefusedAsync("""{"selection":{"mode":"explicit","uids":[]},"options":{}}"""))["errors"]!.AsObject().Select(e => e.Key).Should().Equal("selection.uids");
        (await RefusedAsync("""{"selection":{"mode":"explicit","uids":["nope"]},"options":{}}""")).Text("detail").Should().Contain("'nope' is not a UUID");
        (await RefusedAsync($$$"""{"selection":{"mode":"explicit","uids":["{{{uid}}}","{{{uid}}}"]},"options":{}}""")).Text("detail").Should().Contain("unique");
        (await RefusedAsync("""{"uids":[],"unique_identifiers":["a"]}"""))["errors"]!.AsObject().Select(e => e.Key).Should().Contain(["uids", "unique_identifiers"]);
    }

    [Test]
    public async Task A_groups_portfolios_are_added_listed_replaced_and_removed()
    {
        var group = await CreateGroupAsync(Unique("members"));
        var url = $"{Groups}{group.Uid()}/portfolios/";
        var p1 = await CreatePortfolioAsync(Unique("m1"));
        var p2 = await CreatePortfolioAsync(Unique("m2"));
        var p3 = await CreatePortfolioAsync(Unique("m3"));

        var membership = await (await Client.PostAsync(url, Calls.Json(new { portfolio_uid = p1.Uid() }))).ReadNodeAsync(HttpStatusCode.OK);
        membership.Uid("portfolio_group_uid").Should().Be(group.Uid());
        membership.Uid("portfolio_uid").Should().Be(p1.Uid());
        var again = await (await Client.PostAsync(url, Calls.Json(new { portfolio_unique_identifier = p1.Text("unique_identifier") }))).ReadNodeAsync(HttpStatusCode.OK);
        again.Uid().Should().Be(membership.Uid(), "adding is idempotent");

        (await (await Client.PostAsync(url, Calls.Json(new { portfolio_uid = p1.Uid(), portfolio_unique_identifier = "x" }))).ValidationErrorsAsync())
            .Should().BeEquivalentTo("portfolio_uid", "portfolio_unique_identifier");
        (await (await Client.PostAsync(url, Calls.Json("{}"))).ValidationErrorsAsync()).Should().BeEquivalentTo("portfolio_uid", "portfolio_unique_identifier");
        (await Client.PostAsync(url, Calls.Json(new { portfolio_uid = Guid.NewGuid() }))).StatusCode.Should().Be(HttpStatusCode.NotFound);
        (await Client.PostAsync($"{Groups}{Guid.NewGuid()}/portfolios/", Calls.Json(new { portfolio_uid = p1.Uid() }))).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var added = await (await Client.PostAsync($"{url}bulk-add/", Calls.Json(new { portfolio_uids = new[] { p1.Uid(), p2.Uid() } }))).ReadNodeAsync(HttpStatusCode.OK);
        added.Long("added").Should().Be(1);
        added.Long("already_present").Should().Be(1);

        var listed = await (await Client.GetAsync($"{url}?limit=1&offset=1")).ReadNodeAsync(HttpStatusCode.OK);
        Contract.ResourceCollection(listed, Contract.PortfolioFields);
        listed["items"]!.AsArray().Select(i => i!.Uid()).Should().Equal([p2.Uid()], "portfolios are listed by unique identifier");
        listed["pageInfo"]!.Long("totalItems").Should().Be(2);

        var set = await (await Client.PutAsync(url, Calls.Json(new { portfolio_unique_identifiers = new[] { p2.Text("unique_identifier"), p3.Text("unique_identifier") } }))).ReadNodeAsync(HttpStatusCode.OK);
        (set.Long("added"), set.Long("removed"), set.Long("unchanged")).Should().Be((1L, 1L, 1L));
        var missing = await (await Client.PutAsync(url, Calls.Json(new { portfolio_uids = new[] { Guid.NewGuid() } }))).ProblemAsync(HttpStatusCode.NotFound);
        missing.Text("detail").Should().Contain("No Portfolio row");
        (await (await Client.PutAsync(url, Calls.Json(new { portfolio_uids = new[] { p1.Uid() }, portfolio_unique_identifiers = new[] { "x" } }))).ValidationErrorsAsync())
            .Should().BeEquivalentTo("portfolio_uids", "portfolio_unique_identifiers");
        (await (await Client.PostAsync($"{url}bulk-add/", Calls.Json("""{"portfolio_unique_identifiers":[" "]}"""))).ValidationErrorsAsync())
            .Should().Equal("portfolio_unique_identifiers[0]");

        var groupsOfP3 = await (await Client.GetAsync($"{Groups}by-portfolio/{p3.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK);
        Contract.ResourceCollection(groupsOfP3, Contract.GroupFields);
        groupsOfP3["items"]!.AsArray().Select(g => g!.Uid()).Should().Equal(group.Uid());
        (await Client.GetAsync($"{Groups}by-portfolio/{Guid.NewGuid()}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var removed = await (await Client.DeleteAsync($"{url}{p3.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK);
        removed.Long("deleted_count").Should().Be(1);
        (await (await Client.DeleteAsync($"{url}{p3.Uid()}/")).ReadNodeAsync(HttpStatusCode.OK)).Long("deleted_count").Should().Be(0);

        var remaining = await (await Client.GetAsync(url)).ReadNodeAsync(HttpStatusCode.OK);
        remaining["items"]!.AsArray().Select(p => p!.Uid()).Should().Equal(p2.Uid());
    }

    [Test]
    public async Task Memberships_are_bulk_deleted_by_uid_and_by_group_and_portfolio_together()
    {
        var g1 = await CreateGroupAsync(Unique("mbd-1"));
        var g2 = await CreateGroupAsync(Unique("mbd-2"));
        var p1 = await CreatePortfolioAsync(Unique("mbd-p1"));
        var p2 = await CreatePortfolioAsync(Unique("mbd-p2"));
        await Client.PostAsync($"{Groups}{g1.Uid()}/portfolios/bulk-add/", Calls.Json(new { portfolio_uids = new[] { p1.Uid(), p2.Uid() } }));
        var m = await (await Client.PostAsync($"{Groups}{g2.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = p1.Uid() }))).ReadNodeAsync(HttpStatusCode.OK);
        await Client.PostAsync($"{Groups}{g2.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = p2.Uid() }));
        var url = $"{Groups}membership/bulk-delete/";

        (await (await Client.PostAsync(url, Calls.Json(new { uids = new[] { m.Uid() } }))).ReadNodeAsync(HttpStatusCode.OK)).Long("deleted_count").Should().Be(1);
        (await (await Client.PostAsync(url, Calls.Json(new { portfolio_group_uids = new[] { g1.Uid() }, portfolio_uids = new[] { p2.Uid() } }))).ReadNodeAsync(HttpStatusCode.OK))
            .Long("deleted_count").Should().Be(1);
        (await (await Client.PostAsync(url, Calls.Json(new { portfolio_group_uids = new[] { g1.Uid(), g2.Uid() } }))).ReadNodeAsync(HttpStatusCode.OK))
            .Long("deleted_count").Should().Be(2);

        // The union: one membership by uid, and g1 ∩ p1, in one call.
        var m21 = await (await Client.PostAsync($"{Groups}{g2.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = p1.Uid() }))).ReadNodeAsync(HttpStatusCode.OK);
        await Client.PostAsync($"{Groups}{g1.Uid()}/portfolios/bulk-add/", Calls.Json(new { portfolio_uids = new[] { p1.Uid(), p2.Uid() } }));
        var union = await (await Client.PostAsync(url, Calls.Json(new { uids = new[] { m21.Uid() }, portfolio_group_uids = new[] { g1.Uid() }, portfolio_uids = new[] { p1.Uid() } }))).ReadNodeAsync(HttpStatusCode.OK);
        union.Long("deleted_count").Should().Be(2);
        union.Text("detail").Should().Be("Deleted 2 portfolio group memberships.");
        var left = await (await Client.GetAsync($"{Groups}{g1.Uid()}/portfolios/")).ReadNodeAsync(HttpStatusCode.OK);
        left["items"]!.AsArray().Select(i => i!.Uid()).Should().Equal(p2.Uid());
        var none = await (await Client.PostAsync(url, Calls.Json("""{"uids":[],"portfolio_group_uids":[],"portfolio_uids":[]}"""))).ReadNodeAsync(HttpStatusCode.OK);
        none.Long("deleted_count").Should().Be(0, "naming nothing deletes nothing");
        none.Text("detail").Should().Be("No portfolio group memberships matched the deletion request.");
        (await (await Client.PostAsync(url, Calls.Json("{}"))).ReadNodeAsync(HttpStatusCode.OK)).Long("deleted_count").Should().Be(0);
    }

    [Test]
    public async Task Counts_are_keyed_by_group_uid_for_the_groups_named_or_all()
    {
        var g1 = await CreateGroupAsync(Unique("count-1"));
        var g2 = await CreateGroupAsync(Unique("count-2"));
        var p = await CreatePortfolioAsync(Unique("count-p"));
        await Client.PostAsync($"{Groups}{g1.Uid()}/portfolios/", Calls.Json(new { portfolio_uid = p.Uid() }));

        var named = await (await Client.GetAsync($"{Groups}counts/?group_uids={g1.Uid()},{g2.Uid()}")).ReadNodeAsync(HttpStatusCode.OK);
        named.AsObject().ToDictionary(e => e.Key, e => e.Value!.GetValue<long>())
            .Should().BeEquivalentTo(new Dictionary<string, long> { [g1.Uid().ToString()] = 1, [g2.Uid().ToString()] = 0 });
        var all = await (await Client.GetAsync($"{Groups}counts/")).ReadNodeAsync(HttpStatusCode.OK);
        all[g1.Uid().ToString()]!.GetValue<long>().Should().Be(1);
        (await Client.GetAsync($"{Groups}counts/?group_uids={Guid.NewGuid()}")).StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Portfolios_have_the_same_conventions_and_filter_by_groups()
    {
        var id = Unique("pf");
        var created = await Client.PostAsync(Portfolios, Calls.Json(new { unique_identifier = id, display_name = "P" }));
        var portfolio = await created.ReadNodeAsync(HttpStatusCode.Created);
        created.Headers.Location!.ToString().Should().Be($"{Portfolios}{portfolio.Uid()}/");
        portfolio.AsObject().Select(p => p.Key).Should().Equal("uid", "unique_identifier", "display_name");
        var updated = await (await Client.PostAsync(Portfolios, Calls.Json(new { unique_identifier = id, display_name = "P2" }))).ReadNodeAsync(HttpStatusCode.OK);
        updated.Uid().Should().Be(portfolio.Uid());

        var again = await (await Client.PostAsync(Portfolios, Calls.Json(new { unique_identifier = id }))).ReadNodeAsync(HttpStatusCode.OK);
        again.Text("display_name").Should().Be("P2", "a create without display_name keeps the stored one");

        var url = $"{Portfolios}{portfolio.Uid()}/";
        (await (await Client.GetAsync(url)).ReadNodeAsync(HttpStatusCode.OK)).Text("display_name").Should().Be("P2");
        (await (await Client.PatchAsync(url, Calls.Json("""{"display_name":null}"""))).ReadNodeAsync(HttpStatusCode.OK))["display_name"].Should().BeNull();
        (await (await Client.PatchAsync(url, Calls.Json("""{"unique_identifier":"x"}"""))).ValidationErrorsAsync()).Should().Equal("unique_identifier");
        (await Client.GetAsync($"{Portfolios}{Guid.NewGuid()}/")).StatusCode.Should().Be(HttpStatusCode.NotFound);

        var g1 = await CreateGroupAsync(Unique("pf-g1"));
        var g2 = await CreateGroupAsync(Unique("pf-g2"));
        var other = await CreatePortfolioAsync(Unique("pf-other"));
        await Client.PutAsync($"{Groups}{g1.Uid()}/portfolios/", Calls.Json(new { portfolio_uids = new[] { portfolio.Uid(), other.Uid() } }));
        await Client.PutAsync($"{Groups}{g2.Uid()}/portfolios/", Calls.Json(new { portfolio_uids = new[] { portfolio.Uid() } }));

        async Task<Guid[]> ListAsync(string query) =>
            [.. (await (await Client.GetAsync($"{Portfolios}?{query}")).ReadNodeAsync(HttpStatusCode.OK))["items"]!.AsArray().Select(p => p!.Uid())];

        (await ListAsync($"in_all_groups={g1.Uid()},{g2.Uid()}")).Should().Equal(portfolio.Uid());
        (await ListAsync($"in_any_group={g1.Uid()}")).Should().BeEquivalentTo([portfolio.Uid(), other.Uid()]);
        (await ListAsync($"in_any_group={g1.Uid()}&not_in_groups={g2.Uid()}")).Should().Equal(other.Uid());
        (await ListAsync($"unique_identifier={id}")).Should().Equal(portfolio.Uid());

        var deleted = await (await Client.PostAsync($"{Portfolios}bulk-delete/", Calls.Json(new { uids = new[] { other.Uid() }, unique_identifiers = new[] { id } }))).ReadNodeAsync(HttpStatusCode.OK);
        deleted.Long("deleted_count").Should().Be(2);
        (await (await Client.DeleteAsync(url)).ReadNodeAsync(HttpStatusCode.OK)).Long("deleted_count").Should().Be(0);
    }

    [Test]
    public async Task Unknown_fields_and_wrong_types_are_each_named()
    {
        var response = await Client.PostAsync(Groups, Calls.Json("""{"unique_identifier":5,"display_name":"x","portfolio_group_uid":"y","extra":true}"""));
        (await response.ValidationErrorsAsync()).Should().BeEquivalentTo("unique_identifier", "portfolio_group_uid", "extra");
    }

    [Test]
    public async Task Bad_values_refused_by_core_are_400_naming_the_field_and_write_nothing()
    {
        var id = Unique("bad");
        (await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = id, display_name = new string('n', 256) }))).ValidationErrorsAsync()).Should().Equal("display_name");
        (await (await Client.PostAsync(Groups, Calls.Json(new { unique_identifier = " ", display_name = "x" }))).ValidationErrorsAsync()).Should().Equal("unique_identifier");
        (await (await Client.PostAsync(Groups, Calls.Json($$"""{"unique_identifier":"{{id}}","display_name":"x","metadata_json":[1]}"""))).ValidationErrorsAsync()).Should().Equal("metadata_json");
        (await (await Client.PostAsync(Portfolios, Calls.Json(new { unique_identifier = "a\u0001b" }))).ValidationErrorsAsync()).Should().Equal("unique_identifier");

        var list = await (await Client.GetAsync($"{Groups}?unique_identifier={id}")).ReadNodeAsync(HttpStatusCode.OK);
        list["items"]!.AsArray().Should().BeEmpty();
    }

    [Test]
    public async Task Bodies_over_the_limit_are_413_and_bulk_routes_take_40000_uids()
    {
        var tooLarge = new string(' ', (int)(1024 * 1024) + 1);
        (await Client.PostAsync(Groups, Calls.Json($$"""{"unique_identifier":"x","display_name":"y"}{{tooLarge}}"""))).StatusCode.Should().Be(HttpStatusCode.RequestEntityTooLarge);
        var hugeBulk = new string(' ', 12 * 1024 * 1024 + 1);
        (await (await Client.PostAsync($"{Groups}bulk-delete/", Calls.Json($$$"""{"selection":{}}{{{hugeBulk}}}"""))).ProblemAsync(HttpStatusCode.RequestEntityTooLarge))
            .Text("detail").Should().Contain("limit");

        var uids = Enumerable.Range(0, 40_000).Select(_ => Guid.NewGuid()).ToArray();
        var deleted = await (await Client.PostAsync($"{Portfolios}bulk-delete/", Calls.Json(new { uids }))).ReadNodeAsync(HttpStatusCode.OK);
        deleted.Long("deleted_count").Should().Be(0);
    }
}
