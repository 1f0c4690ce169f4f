using Microsoft.AspNetCore.Builder;
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
