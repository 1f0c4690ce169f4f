using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>The <c>/portfolio/</c> routes, with the group routes' conventions; the list also selects by group membership.</summary>
internal static class PortfolioRoutes
{
    private static readonly string[] CreateFields = ["unique_identifier", "display_name"];
    private static readonly string[] UpdateFields = ["display_name"];

    public static void Map(RouteGroupBuilder api)
    {
        var routes = api.MapGroup("/portfolio").WithTags("portfolio");

        routes.MapGet("/", ListAsync).Describe("listPortfolios", "List portfolios", "A resource collection (command-center.resource_collection@v1) of portfolios, ordered by unique identifier (ignoring case), then uid; filtered by search text (in the unique identifier, display name or uid, ignoring case), unique identifier and group membership (every condition given must hold; an empty one is no condition).")
            .Takes(["search", "unique_identifier", "in_all_groups", "in_any_group", "not_in_groups", .. Query.Paging]).Produces<ResourceCollection<PortfolioResponse>>().ReturnsRows();
        routes.MapPost("/", CreateAsync).Describe("createPortfolio", "Create or update a portfolio", "Upserts by unique_identifier: 201 with Location when created; 200 when the portfolio existed, which keeps its uid and changes only the fields given (absent or null keeps the stored value).")
            .Body<PortfolioCreateRequest>().Produces<PortfolioResponse>(StatusCodes.Status201Created).Produces<PortfolioResponse>().PortfolioWrite();
        routes.MapPost("/bulk-delete/", BulkDeleteAsync).Describe("bulkDeletePortfolios", "Delete many portfolios", "Deletes the portfolios named by uids and/or unique_identifiers, in one transaction; their memberships go with them, their groups remain.")
            .Body<BulkDeleteRequest>(bulk: true).Produces<DeleteResponse>().PortfolioWrite();
        routes.MapGet("/{uid}/", GetAsync).Describe("getPortfolio", "Get a portfolio", "One portfolio by uid.")
            .Produces<PortfolioResponse>().NotFound().ReturnsRows();
        routes.MapPatch("/{uid}/", UpdateAsync).Describe("updatePortfolio", "Change a portfolio", "An absent field is unchanged; null clears display_name.")
            .Body<PortfolioUpdateRequest>().Produces<PortfolioResponse>().NotFound().PortfolioWrite();
        routes.MapDelete("/{uid}/", DeleteAsync).Describe("deletePortfolio", "Delete a portfolio", "Its memberships go with it; its groups remain. deleted_count is 0 when it was not there.")
            .Produces<DeleteResponse>().PortfolioWrite();
    }

    private static async Task<IResult> ListAsync(
        HttpContext context,
        [FromQuery] string? search,
        [FromQuery(Name = "unique_identifier")] string? uniqueIdentifier,
        [FromQuery(Name = "in_all_groups")] string? inAllGroups,
        [FromQuery(Name = "in_any_group")] string? inAnyGroup,
        [FromQuery(Name = "not_in_groups")] string? notInGroups,
        [FromQuery] string? limit,
        [FromQuery] string? offset,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var page = Query.Page(limit, offset, errors);
        var all = Query.UidList(inAllGroups, "in_all_groups", errors);
        var any = Query.UidList(inAnyGroup, "in_any_group", errors);
        var none = Query.UidList(notInGroups, "not_in_groups", errors);
        errors.ThrowIfAny();
        var filter = new PortfolioFilter
        {
            Search = Query.Filter(search),
            UniqueIdentifiers = Query.Filter(uniqueIdentifier) is { } id ? [id] : null,
            InAllGroups = all?.ConvertAll(PortfolioGroupRef.ByUid),
            InAnyGroup = any?.ConvertAll(PortfolioGroupRef.ByUid),
            NotInGroups = none?.ConvertAll(PortfolioGroupRef.ByUid),
        };
        Api.RenameFields(context, name => name == "filter.UniqueIdentifiers" ? "unique_identifier" : name);
        var found = await Portfolio.FilterOffsetPageAsync(Api.Store(context), filter, page, cancellationToken).ConfigureAwait(false);
        return Api.Json(ResourceCollection<PortfolioResponse>.From(found, PortfolioResponse.From));
    }

    private static async Task<IResult> CreateAsync(HttpContext context, CancellationToken cancellationToken)
    {
        RefuseWritesToHostTable(context, allow: "GET");
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.DefaultLimit, CreateFields, cancellationToken).ConfigureAwait(false);
        var uniqueIdentifier = body.String("unique_identifier", required: true);
        var displayName = body.String("display_name");
        body.ThrowIfInvalid();

        var store = Api.Store(context);
        try
        {
            var created = await Portfolio.CreateAsync(store, uniqueIdentifier!, displayName, cancellationToken: cancellationToken).ConfigureAwait(false);
            return Api.Created(context, created.Uid, PortfolioResponse.From(created));
        }
        catch (DuplicateKeyException duplicate) when (duplicate.KeyName == "unique_identifier")
        {
            // The portfolio exists: a display name absent or null keeps the stored one.
            var updated = await Portfolio.AddAsync(store, uniqueIdentifier!, displayName, cancellationToken).ConfigureAwait(false);
            return Api.Json(PortfolioResponse.From(updated));
        }
    }

    private static async Task<IResult> GetAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        var portfolio = await Portfolio.GetAsync(Api.Store(context), Uids.FromRoute(uid, "uid"), cancellationToken).ConfigureAwait(false);
        return Api.Json(PortfolioResponse.From(portfolio));
    }

    private static async Task<IResult> UpdateAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        RefuseWritesToHostTable(context, allow: "GET");
        var key = Uids.FromRoute(uid, "uid");
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.DefaultLimit, UpdateFields, cancellationToken).ConfigureAwait(false);
        var changes = new PortfolioChanges { DisplayName = body.StringChange("display_name") };
        body.ThrowIfInvalid();
        var updated = await Portfolio.UpdateAsync(Api.Store(context), key, changes, cancellationToken).ConfigureAwait(false);
        return Api.Json(PortfolioResponse.From(updated));
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string uid, CancellationToken cancellationToken)
    {
        RefuseWritesToHostTable(context, allow: "GET");
        var deleted = await Portfolio.DeleteAsync(Api.Store(context), Uids.FromRoute(uid, "uid"), cancellationToken).ConfigureAwait(false);
        return Api.Json(Api.Deleted(deleted ? 1 : 0, "portfolio"));
    }

    private static async Task<IResult> BulkDeleteAsync(HttpContext context, CancellationToken cancellationToken)
    {
        RefuseWritesToHostTable(context, allow: "");
        var (uids, identifiers) = await Api.ReadNamedRowsAsync(context, cancellationToken).ConfigureAwait(false);
        var deleted = await Portfolio.BulkDeleteAsync(Api.Store(context), uids, identifiers, cancellationToken).ConfigureAwait(false);
        return Api.Json(Api.Deleted(deleted, "portfolio"));
    }

    /// <summary>
    /// A store whose portfolios are a host's table (<see cref="PortfolioTable.Existing"/>) only reads
    /// them: a write route answers 405 Method Not Allowed (with the methods the route still allows),
    /// before reading the body, and nothing is written.
    /// </summary>
    private static void RefuseWritesToHostTable(HttpContext context, string allow)
    {
        var table = Api.Store(context).PortfolioTable;
        if (!table.IsLibrary)
        {
            context.Response.Headers.Allow = allow;
            throw new HttpProblemException(
                StatusCodes.Status405MethodNotAllowed,
                $"Portfolios are read-only here: they live in the host application's table {table.Table}, which the host writes (PortfolioTable.Existing).");
        }
    }
}
