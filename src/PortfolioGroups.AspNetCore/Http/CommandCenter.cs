using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PortfolioGroups.AspNetCore.Http;

// The Command Center resource contracts (command-center.resource_collection@v1,
// resource_discovery@v1, bulk_action_execution@v1, bulk_action_preflight@v1), as msm's v1 routers
// answer them. Field names are the contracts' own: camelCase in a collection, snake_case elsewhere.

/// <summary>A page of a resource collection: the rows and where the page sits.</summary>
/// <typeparam name="T">The row type.</typeparam>
internal sealed record ResourceCollection<T>(
    [property: JsonPropertyName("items")] IReadOnlyList<T> Items,
    [property: JsonPropertyName("pageInfo")] PageInfo PageInfo)
{
    public static ResourceCollection<T> From<TRow>(OffsetPage<TRow> page, Func<TRow, T> map) =>
        new([.. page.Items.Select(map)], PageInfo.From(page));
}

/// <summary>Where a page sits: its index (offset / limit), size, the listing's total, and whether pages come before and after it.</summary>
internal sealed record PageInfo(
    [property: JsonPropertyName("pageIndex")] int PageIndex,
    [property: JsonPropertyName("pageSize")] int PageSize,
    [property: JsonPropertyName("totalItems")] long TotalItems,
    [property: JsonPropertyName("hasNextPage")] bool HasNextPage,
    [property: JsonPropertyName("hasPreviousPage")] bool HasPreviousPage)
{
    public static PageInfo From<TRow>(OffsetPage<TRow> page) =>
        new(page.Offset / page.Limit, page.Limit, page.TotalCount, page.HasNextPage, page.HasPreviousPage);
}

/// <summary>Whether a bulk delete of groups may run, and why not; membership_count is this API's extension.</summary>
internal sealed record BulkActionPreflightResponse(
    [property: JsonPropertyName("allowed")] bool Allowed,
    [property: JsonPropertyName("detail")] string Detail,
    [property: JsonPropertyName("matched_count")] long MatchedCount,
    [property: JsonPropertyName("blockers")] IReadOnlyList<string> Blockers,
    [property: JsonPropertyName("warnings")] IReadOnlyList<string> Warnings,
    [property: JsonPropertyName("membership_count"), Description("The memberships the delete would remove with the groups (an extension of the contract).")] long MembershipCount);

/// <summary>A Command Center bulk-action request: which rows (an explicit list of uids) and the action's options (none here).</summary>
internal sealed class BulkActionExecutionRequest
{
    [JsonPropertyName("selection"), System.ComponentModel.DataAnnotations.Required]
    public required BulkActionSelection Selection { get; init; }

    [JsonPropertyName("options"), System.ComponentModel.DataAnnotations.Required, Description("The action's options; this action takes none, so the object must be empty.")]
    public required Dictionary<string, JsonElement> Options { get; init; }
}

/// <summary>The rows a bulk action applies to: mode <c>explicit</c> with their uids (the only mode these actions advertise).</summary>
internal sealed class BulkActionSelection
{
    [JsonPropertyName("mode"), System.ComponentModel.DataAnnotations.Required, Description("\"explicit\"; \"all_matching\" is refused, as these actions do not advertise it.")]
    public required string Mode { get; init; }

    [JsonPropertyName("uids"), System.ComponentModel.DataAnnotations.Required, System.ComponentModel.DataAnnotations.MinLength(1), Description("Distinct group uids, at least one.")]
    public required IReadOnlyList<Guid> Uids { get; init; }
}

/// <summary>A resource list's discovery document: identity, list controls, columns and the authorized bulk actions.</summary>
internal sealed record ResourceDiscovery(
    [property: JsonPropertyName("contract")] string Contract,
    [property: JsonPropertyName("resource")] ResourceDescriptor Resource,
    [property: JsonPropertyName("list")] ResourceListDiscovery List,
    [property: JsonPropertyName("bulk_actions")] IReadOnlyList<BulkActionDefinition> BulkActions);

/// <summary>What the listed resource is, and the fields that identify a row.</summary>
internal sealed record ResourceDescriptor(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("item_label")] string ItemLabel,
    [property: JsonPropertyName("identity")] ResourceIdentity Identity);

/// <summary>The fields that identify a row.</summary>
internal sealed record ResourceIdentity([property: JsonPropertyName("fields")] IReadOnlyList<string> Fields);

/// <summary>The list's controls and columns.</summary>
internal sealed record ResourceListDiscovery(
    [property: JsonPropertyName("controls")] ResourceListControls Controls,
    [property: JsonPropertyName("columns")] IReadOnlyList<ResourceColumn> Columns);

/// <summary>The list's search box (or null), filters and orderings.</summary>
internal sealed record ResourceListControls(
    [property: JsonPropertyName("search")] ResourceSearchControl? Search,
    [property: JsonPropertyName("filters")] IReadOnlyList<ResourceFilter> Filters,
    [property: JsonPropertyName("ordering")] IReadOnlyList<string> Ordering);

/// <summary>The search box: its placeholder and the columns it searches.</summary>
internal sealed record ResourceSearchControl(
    [property: JsonPropertyName("placeholder")] string Placeholder,
    [property: JsonPropertyName("fields")] IReadOnlyList<string> Fields);

/// <summary>A filter: the query parameter, its label and its kind.</summary>
internal sealed record ResourceFilter(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("type")] string Type);

/// <summary>A column of the list.</summary>
internal sealed record ResourceColumn(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("header")] string Header,
    [property: JsonPropertyName("value_path")] string ValuePath,
    [property: JsonPropertyName("data_type")] string DataType,
    [property: JsonPropertyName("default_visible")] bool DefaultVisible,
    [property: JsonPropertyName("hideable")] bool Hideable)
{
    /// <summary>The filter (a key of the controls' filters) that filters by this column; absent when none does.</summary>
    [JsonPropertyName("filter_key"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? FilterKey { get; init; }

    /// <summary>primary, secondary or tertiary; absent when not given.</summary>
    [JsonPropertyName("importance"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Importance { get; init; }
}

/// <summary>A bulk action the list offers: where to preflight and run it, and how the UI confirms it.</summary>
internal sealed record BulkActionDefinition(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("label")] string Label,
    [property: JsonPropertyName("endpoint")] string Endpoint,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("tone")] string Tone,
    [property: JsonPropertyName("selection_modes")] IReadOnlyList<string> SelectionModes,
    [property: JsonPropertyName("confirmation")] BulkActionConfirmation Confirmation,
    [property: JsonPropertyName("options")] IReadOnlyList<JsonElement> Options,
    [property: JsonPropertyName("preflight_endpoint")] string PreflightEndpoint);

/// <summary>How the UI confirms a bulk action.</summary>
internal sealed record BulkActionConfirmation(
    [property: JsonPropertyName("title")] string Title,
    [property: JsonPropertyName("word")] string Word,
    [property: JsonPropertyName("button_label")] string ButtonLabel,
    [property: JsonPropertyName("warning")] string Warning);

/// <summary>The discovery documents of the portfolio-group lists, as msm builds them (columns limited to the fields this API returns).</summary>
internal static class Discovery
{
    public const string Contract = "command-center.resource_discovery@v1";

    /// <summary>The query keys a discovery route refuses by name: the paging and presentation ones.</summary>
    public static readonly string[] PresentationKeys = ["light", "limit", "offset", "ordering", "page", "page_size", "sort"];

    private static ResourceColumn Column(string path, string header, string? importance = null, string? filterKey = null) =>
        new(path.Replace('_', '-'), header, path, "text", DefaultVisible: true, Hideable: true) { FilterKey = filterKey, Importance = importance };

    private static ResourceDiscovery Document(string id, string label, string itemLabel, IReadOnlyList<ResourceColumn> columns, bool search, IReadOnlyList<ResourceFilter> filters, IReadOnlyList<BulkActionDefinition> actions) =>
        new(
            Contract,
            new ResourceDescriptor(id, label, itemLabel, new ResourceIdentity(["uid"])),
            new ResourceListDiscovery(
                new ResourceListControls(search ? new ResourceSearchControl($"Search {itemLabel}", [.. columns.Select(c => c.Id)]) : null, filters, []),
                columns),
            actions);

    /// <summary><c>GET /portfolio-group/discovery/</c>: search, two text filters, and the bulk delete under <paramref name="groupsPath"/>.</summary>
    public static ResourceDiscovery Groups(string groupsPath) => Document(
        "portfolio-groups",
        "Portfolio groups",
        "portfolio groups",
        [
            Column("display_name", "Name", "primary", "display_name"),
            Column("unique_identifier", "Identifier", filterKey: "unique_identifier"),
            Column("description", "Description"),
            Column("uid", "UID"),
        ],
        search: true,
        [new("unique_identifier", "Identifier", "text"), new("display_name", "Display name", "text")],
        [
            new BulkActionDefinition(
                "bulk-delete-portfolio-groups",
                "Delete selected",
                $"{groupsPath}/bulk-delete/",
                "POST",
                "danger",
                ["explicit"],
                new BulkActionConfirmation("Delete portfolio groups", "DELETE", "Delete selected", "Deleted portfolio groups cannot be restored."),
                [],
                $"{groupsPath}/bulk-delete/preflight/"),
        ]);

    /// <summary><c>GET /portfolio-group/by-portfolio/{portfolio_uid}/discovery/</c>.</summary>
    public static ResourceDiscovery GroupsForPortfolio { get; } = Document(
        "groups-for-portfolio",
        "Groups for portfolio",
        "portfolio groups",
        [Column("display_name", "Name", "primary"), Column("unique_identifier", "Identifier"), Column("description", "Description"), Column("uid", "UID")],
        search: false,
        [],
        []);

    /// <summary><c>GET /portfolio-group/{uid}/portfolios/discovery/</c>.</summary>
    public static ResourceDiscovery PortfoliosInGroup { get; } = Document(
        "portfolios-in-group",
        "Portfolios in group",
        "portfolios",
        [Column("unique_identifier", "Identifier", "primary"), Column("display_name", "Name"), Column("uid", "UID")],
        search: false,
        [],
        []);
}
