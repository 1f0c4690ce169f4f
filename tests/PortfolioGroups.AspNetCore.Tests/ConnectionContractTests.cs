using System.Net;
using System.Text.Json.Nodes;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Http;

/// <summary>The Command Center connection contract and the health operation it names, as msm serves them, on both databases.</summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class ConnectionContractTests(Db db) : ApiTest(db)
{
    private const string ContractPath = "/.well-known/command-center/connection-contract";

    [Test]
    public async Task The_connection_contract_follows_the_contract_rules_and_lists_every_api_operation_with_msm_ids()
    {
        var contract = await (await Client.GetAsync(ContractPath)).ReadNodeAsync(HttpStatusCode.OK);
        Contract.ConnectionContract(contract);
        contract["openapi"]!["url"]!.GetValue<string>().Should().Be("/openapi/v1.json");
        contract["health"]!["operationId"]!.GetValue<string>().Should().Be("getApiHealth");

        var operations = contract["availableOperations"]!.AsArray().ToDictionary(o => o!["operationId"]!.GetValue<string>(), o => o!);
        var document = await (await Client.GetAsync("/openapi/v1.json")).ReadNodeAsync(HttpStatusCode.OK);
        var served = (from path in document["paths"]!.AsObject()
                      from operation in path.Value!.AsObject()
                      select (Path: path.Key, Method: operation.Key.ToUpperInvariant(), Id: operation.Value!["operationId"]!.GetValue<string>())).ToList();
        operations.Keys.Should().BeEquivalentTo(served.Select(s => s.Id), "the contract lists exactly the operations the API serves");
        foreach (var (path, method, id) in served)
        {
            operations[id]["method"]!.GetValue<string>().Should().Be(method, id);
            operations[id]["path"]!.GetValue<string>().TrimEnd('/').Should().Be(path.TrimEnd('/'), id);
        }

        // msm's kinds and response contracts for its portfolio-group operations.
        operations["listPortfolioGroups"]["kind"]!.GetValue<string>().Should().Be("resource");
        operations["listPortfolioGroups"]["responseContract"]!.GetValue<string>().Should().Be("command-center.resource_collection@v1");
        operations["listPortfolioGroups"]["supportsMaxRows"]!.GetValue<bool>().Should().BeTrue();
        operations["listPortfolioGroups"]["parameters"]!["query"]!.AsArray().Select(p => p!["key"]!.GetValue<string>())
            .Should().Equal("search", "unique_identifier", "display_name", "limit", "offset");
        operations["preflightBulkDeletePortfolioGroups"]["kind"]!.GetValue<string>().Should().Be("resource");
        operations["preflightBulkDeletePortfolioGroups"]["responseContract"]!.GetValue<string>().Should().Be("command-center.bulk_action_preflight@v1");
        operations["discoverPortfolioGroups"]["responseContract"]!.GetValue<string>().Should().Be("command-center.resource_discovery@v1");
        operations["bulkDeletePortfolioGroups"]["kind"]!.GetValue<string>().Should().Be("mutation");
        operations["bulkDeletePortfolioGroups"]["requestBody"]!["contentType"]!.GetValue<string>().Should().Be("application/json");
        operations["deletePortfolioGroup"]["kind"]!.GetValue<string>().Should().Be("mutation");
        operations["listPortfoliosInGroup"]["path"]!.GetValue<string>().Should().Be("/api/v1/portfolio-group/{uid}/portfolios/");
        operations["listPortfoliosInGroup"]["parameters"]!["path"]!.AsArray().Select(p => p!["key"]!.GetValue<string>()).Should().Equal("uid");
        operations.Values.Where(o => o["kind"]!.GetValue<string>() == "query").Should().BeEmpty("no operation answers a tabular frame");
    }

    [Test]
    public async Task Health_answers_ok_with_the_service_and_its_version()
    {
        var health = await (await Client.GetAsync("/health")).ReadNodeAsync(HttpStatusCode.OK);
        health.AsObject().Select(p => p.Key).Should().Equal("status", "service", "version");
        health.Text("status").Should().Be("ok");
        health.Text("service").Should().Be("portfolio-groups");
        health.Text("version").Should().MatchRegex(@"^\d+\.\d+");
    }

    [Test]
    public async Task The_contract_takes_no_query_parameters()
    {
        (await (await Client.GetAsync($"{ContractPath}?x=1")).ValidationErrorsAsync()).Should().Equal("x");
    }
}
