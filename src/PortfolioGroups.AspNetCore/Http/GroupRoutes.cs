using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>The <c>/portfolio-group/</c> routes: groups, their portfolios, memberships and counts. Each handler reads the request, calls one Core helper, and shapes its answer.</summary>
internal static class GroupRoutes
{
    private static readonly string[] CreateFields = ["unique_identifier", "display_name", "description", "metadata_json"];
    private static readonly string[] UpdateFields = ["display_name", "description", "metadata_json"];
    private static readonly string[] AddPortfolioFields = ["portfolio_uid", "portfolio_unique_identifier"];
    private static readonly string[] PortfoliosFields = ["portfolio_uids", "portfolio_unique_identifiers"];
    private static readonly string[] MembershipDeleteFields = ["uids", "portfolio_group_uids", "portfolio_uids"];

    public static void Map(RouteGroupBuilder api)
    {
        var routes = api.MapGroup("/portfolio-group").WithTags("portfolio-group");

        routes.MapGet("/", ListAsync).Describe("listPortfolioGroups", "List groups", "A resource collection (command-center.resource_collection@v1) of groups, ordered by display name, then unique identifier (each ignoring case), then uid; filtered by search text (in the unique identifier, display name or uid, ignoring case), unique identifier and display name (exactly); every condition given must hold, and an empty one is no condition.")
            .Takes(["search", "unique_identifier", "display_name", .. Query.Paging]).Produces<ResourceCollection<PortfolioGroupResponse>>().ReturnsRows();
        routes.MapPost("/", CreateAsync).Describe("createPortfolioGroup", "Create or update a group", "Upserts by unique_identifier: 201 with Location when created; 200 when the group existed, which keeps its uid and changes only the fields given (absent or null keeps the stored value).")
            .Body<PortfolioGroupCreateRequest>().Produces<PortfolioGroupResponse>(StatusCodes.Status201Created).Produces<PortfolioGroupResponse>();
        routes.MapGet("/discovery/", DiscoverGroups).Describe("discoverPortfolioGroups", "Discover portfolio groups", "The group list's discovery document (command-center.resource_discovery@v1): identity, search and filters, columns, and the bulk delete with its preflight.")
            .Takes("search", "unique_identifier", "display_name").Produces<ResourceDiscovery>();
        routes.MapGet("/counts/", CountsAsync).Describe("countPortfoliosPerGroup", "Count portfolios per group", "Member counts keyed by group uid, for the groups named in group_uids, or for every group. With as_of, the counts then, from the membership history: a uid named in group_uids counts 0 when the group had no members then (also when it does not exist), and without group_uids every group that had members then is counted.")
            .Takes("group_uids", "as_of").Produces<Dictionary<string, long>>().NotFound();
        routes.MapPost("/bulk-delete/", BulkDeleteAsync).Describe("bulkDeletePortfolioGroups", "Delete many groups", "Takes a bulk-action request (command-center.bulk_action_execution@v1) with an explicit selection of group uids. Checks again, in the delete's own transaction, that every uid names a group: if one does not, answers 409 with the blockers in detail and deletes nothing. The groups' memberships go with them; their portfolios remain.")
            .Body<BulkActionExecutionRequest>(bulk: true).Produces<DeleteResponse>().ProducesProblem(StatusCodes.Status409Conflict);
        routes.MapPost("/bulk-delete/preflight/", PreflightAsync).Describe("preflightBulkDeletePortfolioGroups", "Preflight a bulk delete of groups", "Same body as bulk-delete; deletes nothing. Answers command-center.bulk_action_preflight@v1: allowed, detail, matched_count, one blocker per uid that names no group, warnings, and membership_count (the memberships that would go with the groups).")
            .Body<BulkActionExecutionRequest>(bulk: true).Produces<BulkActionPreflightResponse>();
        routes.MapPost("/membership/bulk-delete/", BulkDeleteMembershipsAsync).Describe("bulkDeletePortfolioGroupMemberships", "Delete many memberships", "Deletes the memberships named in uids together with those whose group is in portfolio_group_uids and whose portfolio is in portfolio_uids (a list left empty does not restrict, but both left empty add nothing), in one statement. Each list defaults to empty; naming nothing deletes nothing. Groups and portfolios remain.")
            .Body<MembershipBulkDeleteRequest>(bulk: true).Produces<DeleteResponse>();
        routes.MapGet("/by-portfolio/{portfolio_uid}/discovery/", DiscoverGroupsForPortfolio).Describe("discoverGroupsForPortfolio", "Discover groups for a portfolio", "The discovery document of a portfolio's group list (command-center.resource_discovery@v1).")
            .Produces<ResourceDiscovery>();
        routes.MapGet("/by-portfolio/{portfolio_uid}/", ListForPortfolioAsync).Describe("listGroupsForPortfolio", "List a portfolio's groups", "A resource collection of the groups a portfolio is in, ordered by display name (ignoring case), then uid. 404 when the portfolio does not exist. With as_of: the groups it was in then, from the membership history, as intervals (MembershipIntervalResponse) with the identifiers of the time, ordered by group unique identifier (ignoring case), then group uid; a portfolio deleted since is still read, and 404 only when no portfolio has the uid and the history holds none of it.")
            .Takes(["as_of", .. Query.Paging]).Produces<ResourceCollection<PortfolioGroupResponse>>().OrIntervalsAsOf().NotFound().ReturnsRows();
        routes.MapGet("/{uid}/", GetAsync).Describe("getPortfolioGroup", "Get a group", "One group by uid.")
            .Produces<PortfolioGroupResponse>().NotFound().ReturnsRows();
        routes.MapPatch("/{uid}/", UpdateAsync).Describe("updatePortfolioGroup", "Change a group", "An absent field is unchanged; null clears description and metadata_json; display_name cannot be null.")
            .Body<PortfolioGroupUpdateRequest>().Produces<PortfolioGroupResponse>().NotFound();
        routes.MapDelete("/{uid}/", DeleteAsync).Describe("deletePortfolioGroup", "Delete a group", "Its memberships go with it; its portfolios remain. deleted_count is 0 when it was not there.")
            .Produces<DeleteResponse>();
        routes.MapGet("/{uid}/portfolios/discovery/", DiscoverPortfoliosInGroup).Describe("discoverPortfoliosInGroup", "Discover portfolios in a group", "The discovery document of a group's portfolio list (command-center.resource_discovery@v1).")
            .Produces<ResourceDiscovery>();
        routes.MapGet("/{uid}/portfolios/", ListPortfoliosAsync).Describe("listPortfoliosInGroup", "List a group's portfolios", "A resource collection of the portfolios in a group, ordered by unique identifier (ignoring case), then uid. 404 when the group does not exist. Extension: cursor (given, even empty, instead of offset) walks the same collection in portfolio uid order, each page read in time independent of its depth; while more rows follow, the answer carries a Link header with rel=\"next\" naming the next page. With as_of (not with cursor): the portfolios it held then, from the membership history, as intervals (MembershipIntervalResponse) with the identifiers of the time, ordered by portfolio unique identifier (ignoring case), then portfolio uid; a group deleted since is still read, and 404 only when no group has the uid and the history holds none of it.")
            .Takes([.. Query.Paging, Query.CursorName, "as_of"]).Produces<ResourceCollection<PortfolioResponse>>().OrIntervalsAsOf().NotFound().NextLink().ReturnsRows();
        routes.MapPost("/{uid}/portfolios/", AddPortfolioAsync).Describe("addPortfolioToGroup", "Add a portfolio to a group", "Exactly one of portfolio_uid and portfolio_unique_identifier. Idempotent: returns the membership, new or existing.")
            .Body<AddPortfolioRequest>().Produces<MembershipResponse>().NotFound();
        routes.MapPut("/{uid}/portfolios/", SetPortfoliosAsync).Describe("setPortfoliosOfGroup", "Replace a group's portfolios", "Exactly one of portfolio_uids and portfolio_unique_identifiers; the group then holds exactly those portfolios (atomic). An empty list empties it.")
            .Body<PortfoliosRequest>(bulk: true).Produces<SetPortfoliosResponse>().NotFound();
        routes.MapPost("/{uid}/portfolios/bulk-add/", AddPortfoliosAsync).Describe("addPortfoliosToGroup", "Add many portfolios to a group", "Exactly one of portfolio_uids and portfolio_unique_identifiers, in one transaction; ones already in the group are left as they are.")
            .Body<PortfoliosRequest>(bulk: true).Produces<BulkAddResponse>().NotFound();
        routes.MapDelete("/{uid}/portfolios/{portfolio_uid}/", RemovePortfolioAsync).Describe("removePortfolioFromGroup", "Take a portfolio out of a group", "deleted_count is 0 when it was not in the group.")
            .Produces<DeleteResponse>();
        History.Map(routes);
    }

    private static async Task<IResult> ListAsync(
        HttpContext context,
        [FromQuery] string? search,
        [FromQuery(Name = "unique_identifier")] string? uniqueIdentifier,
        [FromQuery(Name = "display_name")] string? displayName,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var page = Query.Page(limit, offset, errors);
        errors.ThrowIfAny();
        var filter = new PortfolioGroupFilter
        {
            Search = Query.Filter(search),
            UniqueIdentifiers = Query.Filter(uniqueIdentifier) is { } id ? [id] : null,
            DisplayName = Query.Filter(displayName),
        };
        Api.RenameFields(context, name => name == "filter.UniqueIdentifiers" ? "unique_identifier" : name);
        var found = await PortfolioGroup.FilterOffsetPageAsync(Api.Store(context), filter, page, cancellationToken).ConfigureAwait(false);
        return Api.Json(ResourceCollection<PortfolioGroupResponse>.From(found, PortfolioGroupResponse.From));
    }

    private static IResult DiscoverGroups(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        var groups = path[..(path.LastIndexOf("/discovery", StringComparison.Ordinal) is var i and >= 0 ? i : path.Length)];
        return Api.Json(Discovery.Groups($"{request.PathBase}{groups}"));
    }

    private static IResult DiscoverGroupsForPortfolio(HttpContext context, [FromRoute(Name = "portfolio_uid")] string portfolioUid)
    {
        Uids.FromRoute(portfolioUid, "portfolio_uid");
        return Api.Json(Discovery.GroupsForPortfolio);
    }

    private static IResult DiscoverPortfoliosInGroup(HttpContext context, string uid)
    {
        Uids.FromRoute(uid, "uid");
        return Api.Json(Discovery.PortfoliosInGroup);
    }

    private static async Task<IResult> CreateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.DefaultLimit, CreateFields, cancellationToken).ConfigureAwait(false);
        var uniqueIdentifier = body.String("unique_identifier", required: true);
        var displayName = body.String("display_name", required: true);
        var description = body.String("description");
        var metadata = body.Json("metadata_json");
        body.ThrowIfInvalid();

        var store = Api.Store(context);
        try
        {
            var created = await PortfolioGroup.CreateAsync(store, uniqueIdentifier!, displayName!, description, metadata, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Api.Created(context, created.Uid, PortfolioGroupResponse.From(created));
        }
        catch (DuplicateKeyException duplicate) when (duplicate.KeyName == "unique_identifier")
        {
            // The group exists: change only the fields the body gives (absent or null keeps the stored value).
            var updated = await PortfolioGroup.AddAsync(store, uniqueIdentifier!, displayName!, description, metadata, cancellationToken).ConfigureAwait(false);
            return Api.Json(PortfolioGroupResponse.From(updated));
        }
    }

    private static async Task<IResult> GetAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var group = await PortfolioGroup.GetAsync(Api.Store(context), Uids.FromRoute(uid, "uid"), cancellationToken).ConfigureAwait(false);
        return Api.Json(PortfolioGroupResponse.From(group));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(uid, "uid");
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.DefaultLimit, UpdateFields, cancellationToken).ConfigureAwait(false);
        var displayName = body.StringChange("display_name");
        if (displayName is { IsSet: true, Value: null } && !body.Errors.Has("display_name"))
        {
            body.Errors.Add("display_name", "Must not be null: a group always has a display name.");
        }

        var changes = new PortfolioGroupChanges
        {
            DisplayName = displayName.IsSet ? Change.To(displayName.Value ?? "") : default,
            Description = body.StringChange("description"),
            Metadata = body.JsonChange("metadata_json"),
        };
        body.ThrowIfInvalid();
        var updated = await PortfolioGroup.UpdateAsync(Api.Store(context), key, changes, cancellationToken).ConfigureAwait(false);
        return Api.Json(PortfolioGroupResponse.From(updated));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var deleted = await PortfolioGroup.DeleteAsync(Api.Store(context), Uids.FromRoute(uid, "uid"), cancellationToken).ConfigureAwait(false);
        return Api.Json(Api.Deleted(deleted ? 1 : 0, "portfolio group"));
    }

    private static async Task<IResult> BulkDeleteAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var uids = await BulkActions.ReadExplicitUidsAsync(context, cancellationToken).ConfigureAwait(false);
        var result = await PortfolioGroup.BulkDeleteAllOrNoneAsync(Api.Store(context), uids, cancellationToken).ConfigureAwait(false);
        if (result.Missing.Count > 0)
        {
            throw new HttpProblemException(StatusCodes.Status409Conflict, string.Join(" ", BulkActions.Blockers(result)));
        }

        return Api.Json(Api.Deleted(result.DeletedCount, "portfolio group"));
    }

    private static async Task<IResult> PreflightAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var uids = await BulkActions.ReadExplicitUidsAsync(context, cancellationToken).ConfigureAwait(false);
        var check = await PortfolioGroup.PreflightBulkDeleteAsync(Api.Store(context), uids, cancellationToken).ConfigureAwait(false);
        return Api.Json(BulkActions.Preflight(check));
    }

    private static async Task<IResult> ListPortfoliosAsync(HttpContext context, string uid, [FromQuery] string? limit, [FromQuery] string? offset, [FromQuery] string? cursor, [FromQuery(Name = "as_of")] string? asOf, CancellationToken cancellationToken)
    {
        _ = cursor; // Declared for the document; its presence, even empty, is read from the query itself.
        var key = Uids.FromRoute(uid, "uid");
        var errors = new FieldErrors();
        var page = Query.Page(limit, offset, errors);
        var walk = Query.Walk(context, page, errors);
        var instant = History.Instant(asOf, "as_of", errors);
        if (instant is not null && context.Request.Query.ContainsKey(Query.CursorName))
        {
            errors.Add(Query.CursorName, "Give as_of or cursor, not both: an as-of list pages by offset.");
        }

        errors.ThrowIfAny();
        if (instant is { } then)
        {
            var store = Api.Store(context);
            var intervals = await PortfolioGroup.GetPortfoliosOffsetPageAsync(store, key, then, page, cancellationToken).ConfigureAwait(false);
            if (intervals.TotalCount == 0)
            {
                await History.EnsureKnownGroupAsync(store, key, cancellationToken).ConfigureAwait(false);
            }

            return Api.Json(ResourceCollection<MembershipIntervalResponse>.From(intervals, MembershipIntervalResponse.From));
        }

        if (walk is not null)
        {
            var store = Api.Store(context);
            var counts = await PortfolioGroup.CountPortfoliosAsync(store, [key], cancellationToken).ConfigureAwait(false);
            var rows = await PortfolioGroup.GetPortfoliosPageAsync(store, key, walk.Request, cancellationToken).ConfigureAwait(false);
            return Query.WalkPage(context, walk, rows, counts[key], PortfolioResponse.From);
        }

        var found = await PortfolioGroup.GetPortfoliosOffsetPageAsync(Api.Store(context), key, page, cancellationToken).ConfigureAwait(false);
        return Api.Json(ResourceCollection<PortfolioResponse>.From(found, PortfolioResponse.From));
    }

    private static async Task<IResult> AddPortfolioAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(uid, "uid");
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.DefaultLimit, AddPortfolioFields, cancellationToken).ConfigureAwait(false);
        var portfolioUid = body.Uid("portfolio_uid");
        var identifier = body.String("portfolio_unique_identifier");
        if (!body.Errors.Any && (portfolioUid is null) == (identifier is null))
        {
            body.Errors.Add("portfolio_uid", "Give exactly one of portfolio_uid and portfolio_unique_identifier.");
            body.Errors.Add("portfolio_unique_identifier", "Give exactly one of portfolio_uid and portfolio_unique_identifier.");
        }

        body.ThrowIfInvalid();
        Api.RenameFields(context, name => name == "portfolio" ? (portfolioUid is null ? "portfolio_unique_identifier" : "portfolio_uid") : name);
        var portfolio = portfolioUid is { } byUid ? PortfolioRef.ByUid(byUid) : PortfolioRef.ByUniqueIdentifier(identifier!);
        var membership = await PortfolioGroup.AddPortfolioAsync(Api.Store(context), key, portfolio, cancellationToken).ConfigureAwait(false);
        return Api.Json(MembershipResponse.From(membership));
    }

    private static async Task<List<PortfolioRef>> ReadPortfoliosAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.BulkLimit, PortfoliosFields, cancellationToken).ConfigureAwait(false);
        var uids = body.UidList("portfolio_uids");
        var identifiers = body.StringList("portfolio_unique_identifiers");
        if (!body.Errors.Any && (uids is null) == (identifiers is null))
        {
            body.Errors.Add("portfolio_uids", "Give exactly one of portfolio_uids and portfolio_unique_identifiers.");
            body.Errors.Add("portfolio_unique_identifiers", "Give exactly one of portfolio_uids and portfolio_unique_identifiers.");
        }

        body.ThrowIfInvalid();
        var field = uids is null ? "portfolio_unique_identifiers" : "portfolio_uids";
        Api.RenameFields(context, name => name == "portfolios" ? field : name);
        return uids is null
            ? identifiers!.ConvertAll(PortfolioRef.ByUniqueIdentifier)
            : uids.ConvertAll(PortfolioRef.ByUid);
    }

    private static async Task<IResult> SetPortfoliosAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(uid, "uid");
        var portfolios = await ReadPortfoliosAsync(context, cancellationToken).ConfigureAwait(false);
        var result = await PortfolioGroup.SetPortfoliosAsync(Api.Store(context), key, portfolios, cancellationToken).ConfigureAwait(false);
        return Api.Json(new SetPortfoliosResponse(result.Added, result.Removed, result.Unchanged));
    }

    private static async Task<IResult> AddPortfoliosAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(uid, "uid");
        var portfolios = await ReadPortfoliosAsync(context, cancellationToken).ConfigureAwait(false);
        var result = await PortfolioGroup.AddPortfoliosAsync(Api.Store(context), key, portfolios, cancellationToken: cancellationToken).ConfigureAwait(false);
        return Api.Json(new BulkAddResponse(result.Added, result.AlreadyPresent));
    }

    private static async Task<IResult> RemovePortfolioAsync(HttpContext context, string uid, [FromRoute(Name = "portfolio_uid")] string portfolioUid, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(uid, "uid");
        var portfolio = Uids.FromRoute(portfolioUid, "portfolio_uid");
        var removed = await PortfolioGroup.RemovePortfolioAsync(Api.Store(context), key, portfolio, cancellationToken).ConfigureAwait(false);
        return Api.Json(Api.Deleted(removed ? 1 : 0, "portfolio group membership"));
    }

    private static async Task<IResult> ListForPortfolioAsync(HttpContext context, [FromRoute(Name = "portfolio_uid")] string portfolioUid, [FromQuery] string? limit, [FromQuery] string? offset, [FromQuery(Name = "as_of")] string? asOf, CancellationToken cancellationToken)
    {
        var key = Uids.FromRoute(portfolioUid, "portfolio_uid");
        var errors = new FieldErrors();
        var page = Query.Page(limit, offset, errors);
        var instant = History.Instant(asOf, "as_of", errors);
        errors.ThrowIfAny();
        if (instant is { } then)
        {
            var store = Api.Store(context);
            var intervals = await PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(store, key, then, page, cancellationToken).ConfigureAwait(false);
            if (intervals.TotalCount == 0)
            {
                await History.EnsureKnownPortfolioAsync(store, key, cancellationToken).ConfigureAwait(false);
            }

            return Api.Json(ResourceCollection<MembershipIntervalResponse>.From(intervals, MembershipIntervalResponse.From));
        }

        var found = await PortfolioGroup.GetGroupsForPortfolioOffsetPageAsync(Api.Store(context), key, page, cancellationToken).ConfigureAwait(false);
        return Api.Json(ResourceCollection<PortfolioGroupResponse>.From(found, PortfolioGroupResponse.From));
    }

    private static async Task<IResult> BulkDeleteMembershipsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.BulkLimit, MembershipDeleteFields, cancellationToken).ConfigureAwait(false);
        var uids = body.UidList("uids") ?? [];
        var groups = body.UidList("portfolio_group_uids") ?? [];
        var portfolios = body.UidList("portfolio_uids") ?? [];
        body.ThrowIfInvalid();
        var scope = groups.Count == 0 && portfolios.Count == 0
            ? null
            : new PortfolioGroupMembershipScope
            {
                Groups = groups.Count > 0 ? groups.ConvertAll(PortfolioGroupRef.ByUid) : null,
                Portfolios = portfolios.Count > 0 ? portfolios.ConvertAll(PortfolioRef.ByUid) : null,
            };
        var deleted = await PortfolioGroupMembership.BulkDeleteAsync(Api.Store(context), uids, scope, cancellationToken).ConfigureAwait(false);
        return Api.Json(Api.Deleted(deleted, "portfolio group membership"));
    }

    private static async Task<IResult> CountsAsync(HttpContext context, [FromQuery(Name = "group_uids")] string? groupUids, [FromQuery(Name = "as_of")] string? asOf, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var uids = Query.UidList(groupUids, "group_uids", errors);
        var instant = History.Instant(asOf, "as_of", errors);
        errors.ThrowIfAny();
        var groups = uids?.ConvertAll(PortfolioGroupRef.ByUid);
        var counts = instant is { } then
            ? await PortfolioGroup.CountPortfoliosAsync(Api.Store(context), groups, then, cancellationToken).ConfigureAwait(false)
            : await PortfolioGroup.CountPortfoliosAsync(Api.Store(context), groups, cancellationToken).ConfigureAwait(false);
        return Api.Json(counts.OrderBy(c => c.Key).ToDictionary(c => c.Key.ToString(), c => c.Value));
    }
}
