using Microsoft.AspNetCore.Builder;
using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>The query parameters a route takes, as endpoint metadata: any other is refused by name.</summary>
internal sealed record QueryParameters(IReadOnlyList<string> Names);

/// <summary>The query parameters the v1 listings share: limit/offset paging, filters, uid lists, and the rule that a route refuses parameters it does not take.</summary>
internal static class Query
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The parameters of an offset-paged listing.</summary>
    public static readonly string[] Paging = ["limit", "offset"];

    /// <summary>Declares the query parameters the route takes; the error filter refuses any other, and a repeated one.</summary>
    public static RouteHandlerBuilder Takes(this RouteHandlerBuilder route, params string[] names) =>
        route.WithMetadata(new QueryParameters(names));

    /// <summary>A 400 naming each query parameter the route does not take, or that is given more than once.</summary>
    public static void CheckNames(HttpContext context)
    {
        if (context.Request.Query.Count == 0)
        {
            return;
        }

        var allowed = context.GetEndpoint()?.Metadata.GetMetadata<QueryParameters>()?.Names ?? [];
        var errors = new FieldErrors();
        foreach (var (key, values) in context.Request.Query)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                errors.Add(key, allowed.Count == 0
                    ? "Unknown query parameter; this route takes none."
                    : $"Unknown query parameter; this route takes {string.Join(", ", allowed)}.");
            }
            else if (values.Count > 1)
            {
                errors.Add(key, "Given more than once.");
            }
        }

        errors.ThrowIfAny();
    }

    /// <summary>
    /// The page a listing asks for: <c>limit</c> (1 to 500, default 50) and <c>offset</c> (0 or
    /// more, default 0, a multiple of the limit, so that it names a page).
    /// </summary>
    public static OffsetPageRequest Page(string? limit, string? offset, FieldErrors errors)
    {
        var size = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxLimit))
        {
            errors.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
            size = DefaultLimit;
        }

        var skip = 0;
        if (offset is not null)
        {
            if (!int.TryParse(offset, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out skip))
            {
                errors.Add("offset", "Must be a whole number, 0 or more.");
                skip = 0;
            }
            else if (skip % size != 0 && !errors.Has("limit"))
            {
                errors.Add("offset", $"Must be a multiple of limit ({size}), so that it names a page.");
                skip = 0;
            }
        }

        return new OffsetPageRequest { Limit = size, Offset = skip };
    }

    /// <summary>The query parameter of the keyset walk, this API's extension of a resource collection.</summary>
    public const string CursorName = "cursor";

    /// <summary>
    /// The keyset walk a listing is asked for: null when <c>cursor</c> is absent (an offset page).
    /// <c>cursor</c> given empty starts the walk; otherwise it is the value a previous page's
    /// <c>Link</c> named: the page's index, its limit and Core's cursor, in that order.
    /// </summary>
    public static KeysetWalk? Walk(HttpContext context, OffsetPageRequest page, FieldErrors errors)
    {
        if (!context.Request.Query.TryGetValue(CursorName, out var values))
        {
            return null;
        }

        if (context.Request.Query.ContainsKey("offset"))
        {
            errors.Add("offset", "Give offset or cursor, not both: a cursor names its page itself.");
        }

        var text = values.ToString();
        if (text.Length == 0)
        {
            return new KeysetWalk(0, new PageRequest { Size = page.Limit });
        }

        var parts = text.Split('.', 3);
        if (parts.Length != 3
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index < 1
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size is < 1 or > MaxLimit
            || parts[2].Length == 0)
        {
            errors.Add(CursorName, "Is not a cursor this API gave: start a walk with an empty cursor, then follow each page's Link rel=\"next\".");
            return null;
        }

        if (context.Request.Query.ContainsKey("limit") && size != page.Limit && !errors.Has("limit"))
        {
            errors.Add("limit", $"The cursor was given for pages of {size}: keep that limit, or start a new walk with an empty cursor.");
        }

        return new KeysetWalk(index, new PageRequest { Size = size, After = parts[2] });
    }

    /// <summary>Describes the <c>Link</c> header of a walk's page on the route's 200 answer.</summary>
    public static RouteHandlerBuilder NextLink(this RouteHandlerBuilder route) =>
        route.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is Microsoft.OpenApi.OpenApiResponse response)
            {
                response.Headers ??= new Dictionary<string, Microsoft.OpenApi.IOpenApiHeader>();
                response.Headers["Link"] = new Microsoft.OpenApi.OpenApiHeader
                {
                    Description = "With cursor only, while more rows follow: the next page of the walk, as <...?cursor=...&limit=...>; rel=\"next\".",
                    Schema = new Microsoft.OpenApi.OpenApiSchema { Type = Microsoft.OpenApi.JsonSchemaType.String },
                };
            }

            return Task.CompletedTask;
        });

    /// <summary>One page of a keyset walk as a resource collection, with <c>Link: &lt;...&gt;; rel="next"</c> while more rows follow.</summary>
    public static IResult WalkPage<TRow, T>(HttpContext context, KeysetWalk walk, Page<TRow> rows, long total, Func<TRow, T> map)
    {
        var size = walk.Request.Size;
        if (rows.NextCursor is { } next)
        {
            var request = context.Request;
            var cursor = string.Create(CultureInfo.InvariantCulture, $"{walk.Index + 1}.{size}.{next}");
            context.Response.Headers.Link = $"<{request.PathBase}{request.Path}?{CursorName}={Uri.EscapeDataString(cursor)}&limit={size}>; rel=\"next\"";
        }

        var info = new PageInfo(walk.Index, size, total, rows.NextCursor is not null, walk.Index > 0);
        return Api.Json(new ResourceCollection<T>([.. rows.Items.Select(map)], info));
    }

    /// <summary>A filter's value: an absent or empty parameter is no filter, as msm reads it.</summary>
    public static string? Filter(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>A comma-separated list of uids: null when the parameter is absent or empty (no filter).</summary>
    public static List<Guid>? UidList(string? text, string name, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var uids = new List<Guid>();
        var position = 0;
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (Uids.TryParse(part, out var uid))
            {
                uids.Add(uid);
            }
            else
            {
                errors.Add($"{name}[{position}]", $"'{Uids.Shorten(part)}' is not a UUID.");
            }

            position++;
        }

        return uids;
    }
}

/// <summary>A page of a keyset walk: its index in the walk and Core's page request.</summary>
internal sealed record KeysetWalk(int Index, PageRequest Request);
