using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PortfolioGroups.Tests.Support;

/// <summary>
/// The Command Center contracts' rules, checked on our answers: required fields, no field beyond
/// the contract's (additionalProperties false), the pageInfo invariants, and the discovery
/// identifiers' patterns. Written from the contracts' JSON Schemas (command-center-sdk v0.1.13).
/// </summary>
internal static partial class Contract
{
    public static readonly string[] GroupFields = ["uid", "unique_identifier", "display_name", "description", "metadata_json"];
    public static readonly string[] PortfolioFields = ["uid", "unique_identifier", "display_name"];

    [GeneratedRegex("^[a-z][a-z0-9-]*$")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    private static partial Regex SafePath();

    [GeneratedRegex(@"^/(?!/)(?!.*[\\#?\s]).+$")]
    private static partial Regex SafeRelativePath();

    [GeneratedRegex(@".*\S.*")]
    private static partial Regex NonEmpty();

    private static void Exactly(JsonNode? node, string what, string[] required, params string[] optional)
    {
        node.Should().BeOfType<JsonObject>($"{what} is an object");
        var keys = node!.AsObject().Select(p => p.Key).ToList();
        if (required.Length > 0)
        {
            keys.Should().Contain(required, $"{what} has its required fields");
        }

        keys.Except(required).Except(optional).Should().BeEmpty($"{what} has no field beyond the contract's");
    }

    /// <summary>
    /// The Adapter From API discovery contract v1 (served at /.well-known/command-center/connection-contract):
    /// each object has exactly the contract's fields, operation ids are unique, paths root-relative,
    /// a query operation names its response contract, and health names one GET operation.
    /// </summary>
    public static void ConnectionContract(JsonNode node)
    {
        Exactly(node, "the connection contract", ["contractVersion", "adapter", "openapi", "configVariables", "secretVariables", "availableOperations", "health"], "apiBaseUrl", "checksum");
        node["contractVersion"]!.GetValue<int>().Should().Be(1);
        Exactly(node["adapter"], "adapter", ["type", "id", "title", "description"], "logo");
        node["adapter"]!["type"]!.GetValue<string>().Should().Be("adapter-from-api");
        foreach (var field in new[] { "id", "title", "description" })
        {
            node["adapter"]![field]!.GetValue<string>().Should().MatchRegex(NonEmpty());
        }

        Exactly(node["openapi"], "openapi", ["url"], "version", "checksum", "logo");
        node["openapi"]!["url"]!.GetValue<string>().Should().MatchRegex("^(https?://|/)");
        node["configVariables"]!.AsArray().Should().BeEmpty();
        node["secretVariables"]!.AsArray().Should().BeEmpty();

        var operations = node["availableOperations"]!.AsArray();
        operations.Should().NotBeEmpty();
        var kinds = new[] { "query", "resource", "mutation" };
        foreach (var operation in operations)
        {
            var id = operation!["operationId"]!.GetValue<string>();
            Exactly(operation, id, ["operationId", "method", "path", "kind", "capabilities"],
                "label", "description", "requiresTimeRange", "supportsVariables", "supportsMaxRows", "parameters", "requestBody", "responseContract", "responseModel", "cache");
            id.Should().MatchRegex(NonEmpty());
            operation["method"]!.GetValue<string>().Should().BeOneOf("GET", "POST", "PUT", "PATCH", "DELETE");
            operation["path"]!.GetValue<string>().Should().StartWith("/");
            operation["kind"]!.GetValue<string>().Should().BeOneOf(kinds);
            var capabilities = operation["capabilities"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
            capabilities.Should().OnlyHaveUniqueItems().And.OnlyContain(c => kinds.Contains(c));
            if (operation["kind"]!.GetValue<string>() == "query" || capabilities.Contains("query"))
            {
                operation["responseContract"]!.GetValue<string>().Should().MatchRegex(NonEmpty(), $"{id} is a query");
            }

            if (operation["parameters"] is { } parameters)
            {
                Exactly(parameters, $"{id} parameters", [], "path", "query", "headers");
                foreach (var parameter in parameters.AsObject().SelectMany(p => p.Value!.AsArray()))
                {
                    Exactly(parameter, $"{id} parameter", ["key", "label", "type"], "name", "description", "required", "defaultValue", "example", "renderAs", "options", "validation");
                    parameter!["type"]!.GetValue<string>().Should().BeOneOf("string", "number", "boolean", "select", "json");
                }
            }

            if (operation["requestBody"] is { } body)
            {
                Exactly(body, $"{id} requestBody", [], "required", "contentType", "schema", "description");
            }

            if (operation["cache"] is { } cache)
            {
                Exactly(cache, $"{id} cache", [], "policy", "ttlMs", "dedupeInFlight");
            }
        }

        operations.Select(o => o!["operationId"]!.GetValue<string>()).Should().OnlyHaveUniqueItems("operationId values must be unique");
        Exactly(node["health"], "health", ["operationId"], "expectedStatus", "timeoutMs");
        var health = node["health"]!["operationId"]!.GetValue<string>();
        operations.Where(o => o!["operationId"]!.GetValue<string>() == health).Should().ContainSingle()
            .Which!["method"]!.GetValue<string>().Should().Be("GET", "health names one safe GET operation");
    }

    /// <summary>command-center.resource_collection@v1, with items of exactly <paramref name="itemFields"/>.</summary>
    public static void ResourceCollection(JsonNode node, string[] itemFields)
    {
        Exactly(node, "a resource collection", ["items", "pageInfo"], "controls", "bulkActions");
        var info = node["pageInfo"];
        Exactly(info, "pageInfo", ["pageIndex", "pageSize", "totalItems", "hasNextPage", "hasPreviousPage"]);
        var index = info!["pageIndex"]!.GetValue<long>();
        var size = info["pageSize"]!.GetValue<long>();
        var total = info["totalItems"]!.GetValue<long>();
        var items = node["items"]!.AsArray();
        index.Should().BeGreaterThanOrEqualTo(0);
        size.Should().BeGreaterThanOrEqualTo(1);
        total.Should().BeGreaterThanOrEqualTo(0);
        items.Count.Should().BeLessThanOrEqualTo((int)size, "a page holds at most pageSize items");
        info["hasPreviousPage"]!.GetValue<bool>().Should().Be(index > 0);
        info["hasNextPage"]!.GetValue<bool>().Should().Be((index * size) + items.Count < total);
        if (index * size < total)
        {
            items.Count.Should().Be((int)Math.Min(size, total - (index * size)), "a page within the listing is full unless it is the last");
        }

        foreach (var item in items)
        {
            Exactly(item, "an item", itemFields);
            var metadata = item!["metadata_json"];
            if (itemFields.Contains("metadata_json"))
            {
                (metadata is null || metadata is JsonObject).Should().BeTrue("metadata_json is an object or null");
            }
        }
    }

    /// <summary>command-center.bulk_action_preflight@v1 (extensions allowed).</summary>
    public static void Preflight(JsonNode node)
    {
        node.Should().BeOfType<JsonObject>();
        node["allowed"]!.GetValueKind().Should().BeOneOf(System.Text.Json.JsonValueKind.True, System.Text.Json.JsonValueKind.False);
        node["detail"]!.GetValue<string>().Should().NotBeNull();
        node["matched_count"]!.GetValue<long>().Should().BeGreaterThanOrEqualTo(0);
        foreach (var message in node["blockers"]!.AsArray().Concat(node["warnings"]!.AsArray()))
        {
            message!.GetValueKind().Should().Be(System.Text.Json.JsonValueKind.String, "blockers and warnings are strings");
        }
    }

    /// <summary>command-center.resource_discovery@v1.</summary>
    public static void Discovery(JsonNode node)
    {
        Exactly(node, "a discovery document", ["contract", "resource", "list", "bulk_actions"], "extensions");
        node["contract"]!.GetValue<string>().Should().Be("command-center.resource_discovery@v1");
        var resource = node["resource"]!;
        Exactly(resource, "resource", ["id", "label", "item_label", "identity"], "extensions");
        resource["id"]!.GetValue<string>().Should().MatchRegex(Identifier().ToString());
        resource["label"]!.GetValue<string>().Should().MatchRegex(NonEmpty().ToString());
        resource["item_label"]!.GetValue<string>().Should().MatchRegex(NonEmpty().ToString());
        Exactly(resource["identity"], "identity", ["fields"]);
        var identity = resource["identity"]!["fields"]!.AsArray().Select(f => f!.GetValue<string>()).ToList();
        identity.Should().NotBeEmpty().And.OnlyHaveUniqueItems().And.AllSatisfy(f => f.Should().MatchRegex(SafePath().ToString()));

        var list = node["list"]!;
        Exactly(list, "list", ["controls", "columns"]);
        var controls = list["controls"]!;
        Exactly(controls, "controls", ["search", "filters", "ordering"]);
        var filterKeys = new List<string>();
        foreach (var filter in controls["filters"]!.AsArray())
        {
            Exactly(filter, "a filter", ["key", "label", "type"]);
            filter!["type"]!.GetValue<string>().Should().BeOneOf("text", "boolean");
            filterKeys.Add(filter["key"]!.GetValue<string>());
        }

        filterKeys.Should().OnlyHaveUniqueItems();
        var ordering = controls["ordering"]!.AsArray().Select(o => o!.GetValue<string>()).ToList();
        ordering.Should().OnlyHaveUniqueItems();
        if (controls["search"] is { } search)
        {
            Exactly(search, "search", ["placeholder", "fields"]);
            search["fields"]!.AsArray().Should().NotBeEmpty();
        }

        var columns = list["columns"]!.AsArray();
        columns.Should().NotBeEmpty();
        var ids = new List<string>();
        foreach (var column in columns)
        {
            Exactly(column, "a column", ["id", "header", "default_visible", "hideable"], "value_path", "data_type", "sortable_key", "filter_key", "importance", "align", "extensions");
            ids.Add(column!["id"]!.GetValue<string>());
            column["id"]!.GetValue<string>().Should().MatchRegex(Identifier().ToString());
            (column["value_path"] is null).Should().Be(column["data_type"] is null, "value_path and data_type come together");
            if (column["value_path"] is { } path)
            {
                path.GetValue<string>().Should().MatchRegex(SafePath().ToString());
            }

            if (column["filter_key"] is { } key)
            {
                filterKeys.Should().Contain(key.GetValue<string>(), "a column's filter key is a declared filter");
            }

            if (column["sortable_key"] is { } sort)
            {
                ordering.Should().Contain(sort.GetValue<string>());
            }
        }

        ids.Should().OnlyHaveUniqueItems();
        foreach (var action in node["bulk_actions"]!.AsArray())
        {
            Exactly(action, "a bulk action", ["id", "label", "endpoint", "method", "selection_modes", "options"], "tone", "confirmation", "preflight_endpoint");
            action!["method"]!.GetValue<string>().Should().Be("POST");
            action["endpoint"]!.GetValue<string>().Should().MatchRegex(SafeRelativePath().ToString());
            action["preflight_endpoint"]?.GetValue<string>().Should().MatchRegex(SafeRelativePath().ToString());
            action["selection_modes"]!.AsArray().Select(m => m!.GetValue<string>()).Should().NotBeEmpty().And.OnlyHaveUniqueItems()
                .And.AllSatisfy(m => m.Should().BeOneOf("explicit", "all_matching"));
            Exactly(action["confirmation"], "confirmation", ["title", "word", "button_label", "warning"]);
        }
    }
}
