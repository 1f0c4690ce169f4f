using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>What every v1 route shares: the store, the JSON answers, the error filter and the OpenAPI conventions.</summary>
internal static class Api
{
    private static readonly string[] NamedRowsFields = ["uids", "unique_identifiers"];
    private static readonly object FieldRenamesKey = new();

    /// <summary>The wire format: names come from the contracts' attributes; nothing depends on the host's JSON settings.</summary>
    /// <remarks>
    /// Stored metadata may nest up to 1,000 levels (rows written by plain SQL before the database
    /// refused more than 64): every row the library reads can be answered.
    /// </remarks>
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { MaxDepth = 1_024 };

    public static void Map(RouteGroupBuilder api)
    {
        api.AddEndpointFilter(HandleErrorsAsync);
        api.AddOpenApiOperationTransformer(DescribeParameters);
        api.WithMetadata(ConnectionContract.Listed.Instance);
        GroupRoutes.Map(api);
        PortfolioRoutes.Map(api);
    }

    /// <summary>The store the host registered.</summary>
    public static PortfolioStore Store(HttpContext context) => context.RequestServices.GetRequiredService<PortfolioStore>();

    public static IResult Json<T>(T value, int statusCode = StatusCodes.Status200OK) =>
        TypedResults.Json(value, JsonOptions, statusCode: statusCode);

    /// <summary>201 with the new row's URL (this route's path and the uid) in <c>Location</c>.</summary>
    public static IResult Created<T>(HttpContext context, Guid uid, T value)
    {
        var request = context.Request;
        context.Response.Headers.Location = $"{request.PathBase}{request.Path.Value?.TrimEnd('/')}/{uid}/";
        return Json(value, StatusCodes.Status201Created);
    }

    /// <summary>msm's answer to a delete: "Deleted 2 portfolio groups." or "No portfolio groups matched the deletion request.".</summary>
    public static DeleteResponse Deleted(long count, string rows) =>
        new(count == 0 ? $"No {rows}s matched the deletion request." : $"Deleted {count} {rows}{(count == 1 ? "" : "s")}.", count);

    /// <summary>The body of the bulk deletes of groups and portfolios: uids and/or unique_identifiers, not neither.</summary>
    public static async Task<(List<Guid>? Uids, List<string>? Identifiers)> ReadNamedRowsAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync(context.Request, RequestBody.BulkLimit, NamedRowsFields, cancellationToken).ConfigureAwait(false);
        var uids = body.UidList("uids");
        var identifiers = body.StringList("unique_identifiers");
        if (uids is null && identifiers is null && !body.Errors.Any)
        {
            foreach (var field in NamedRowsFields)
            {
                body.Errors.Add(field, "Give uids and/or unique_identifiers: a bulk delete that names nothing never means \"everything\".");
            }
        }

        body.ThrowIfInvalid();
        return (uids, identifiers);
    }

    /// <summary>How this request's fields are named where Core's argument names differ (used when Core refuses a value).</summary>
    public static void RenameFields(HttpContext context, Func<string, string> rename) => context.Items[FieldRenamesKey] = rename;

    internal static async ValueTask<object?> HandleErrorsAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        try
        {
            Query.CheckNames(context);
            return await next(invocation).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (Problems.IsTemporary(ex))
        {
            return Problems.Unavailable(context, ex);
        }
        catch (Exception ex) when (Problems.TryFrom(ex, context.Items[FieldRenamesKey] as Func<string, string>, out var problem))
        {
            return problem;
        }
#pragma warning disable CA1031 // Anything unforeseen is logged and answered without its details.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Problems.Unexpected(context, ex);
        }
    }

    /// <summary>Operation id, summary and the problem answers every route can give.</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string operationId, string summary, string description) =>
        route.WithName(operationId)
            .WithSummary(summary)
            .WithDescription(description)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>A JSON body and its problem answers (too large, not JSON).</summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder route, bool bulk = false)
        where T : notnull =>
        route.Accepts<T>("application/json")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                var limit = bulk ? RequestBody.BulkLimit : RequestBody.DefaultLimit;
                operation.Description += $" Body limit: {limit / 1024 / 1024} MiB{(bulk ? " (room for 40,000 uids)" : "")}; unknown fields are refused.";
                return Task.CompletedTask;
            });

    public static RouteHandlerBuilder NotFound(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>A route that returns stored rows: 409 when one of them was written outside the library and cannot be read.</summary>
    public static RouteHandlerBuilder ReturnsRows(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>A portfolio write route: 405 when the store's portfolios are a host's table, which the host writes.</summary>
    public static RouteHandlerBuilder PortfolioWrite(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status405MethodNotAllowed);

    /// <summary>The query and path parameters are read as text (so a bad value is a 400 problem naming it); the document gives their real types.</summary>
    private static Task DescribeParameters(OpenApiOperation operation, Microsoft.AspNetCore.OpenApi.OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.Parameters is null)
        {
            return Task.CompletedTask;
        }

        foreach (var parameter in operation.Parameters.OfType<OpenApiParameter>())
        {
            switch (parameter.Name)
            {
                case "uid" or "portfolio_uid":
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" };
                    break;
                case "limit":
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = "1",
                        Maximum = Query.MaxLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Default = JsonValue.Create(Query.DefaultLimit),
                    };
                    parameter.Description = $"Page size, 1 to {Query.MaxLimit}; default {Query.DefaultLimit}.";
                    break;
                case "offset":
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer,
                        Format = "int32",
                        Minimum = "0",
                        Default = JsonValue.Create(0),
                    };
                    parameter.Description = "Rows to skip: 0 or more, a multiple of limit (pageIndex = offset / limit); default 0.";
                    break;
                case Query.CursorName:
                    parameter.Description = "Extension: walks the collection in uid order instead of offset pages. Give it empty to start; each page that has a next one names it in a Link header (rel=\"next\"). Not with offset.";
                    break;
                case "search":
                    parameter.Description = "Text in the unique identifier, display name or uid, ignoring case, matched literally; trimmed; empty means no search.";
                    break;
                case "unique_identifier":
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 };
                    parameter.Description = "Exactly this unique identifier; empty means no filter.";
                    break;
                case "display_name":
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = 255 };
                    parameter.Description = "Exactly this display name; empty means no filter.";
                    break;
                case "group_uids":
                    parameter.Description = "Comma-separated group uids; every group when absent or empty.";
                    break;
                case "in_all_groups":
                    parameter.Description = "Comma-separated group uids: portfolios in every one of them.";
                    break;
                case "in_any_group":
                    parameter.Description = "Comma-separated group uids: portfolios in at least one of them.";
                    break;
                case "not_in_groups":
                    parameter.Description = "Comma-separated group uids: portfolios in none of them.";
                    break;
                case "as_of" or "from" or "to":
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "date-time" };
                    parameter.Description = parameter.Name switch
                    {
                        "as_of" => "An RFC 3339 instant with an offset (such as 2026-06-30T00:00:00Z; send + as %2B): answers as the membership history had it then. Absent or empty: the list as it is now.",
                        "from" => "An RFC 3339 instant: keep the intervals still in force at or after it. Empty means no start.",
                        _ => "An RFC 3339 instant: keep the intervals that opened before it. Empty means no end.",
                    };
                    break;
            }
        }

        return Task.CompletedTask;
    }
}
