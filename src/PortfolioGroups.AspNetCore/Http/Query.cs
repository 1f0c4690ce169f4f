using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Extensions;

namespace PortfolioGroups.AspNetCore.Http;

/// <summary>The query parameters the v1 listings share: paging, uid lists, and the next page's URL.</summary>
internal static class Query
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>The page a listing asks for: <c>limit</c> (1 to 500, default 50) and the opaque <c>cursor</c> of a previous page.</summary>
    public static PageRequest Page(string? limit, string? cursor, FieldErrors errors)
    {
        var size = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size) || size is < 1 or > MaxLimit))
        {
            errors.Add("limit", $"Must be a whole number from 1 to {MaxLimit}.");
            size = DefaultLimit;
        }

        if (cursor is not null && cursor.Length == 0)
        {
            errors.Add("cursor", "Must not be empty; pass the cursor of a previous page's next URL, or leave it out.");
            cursor = null;
        }

        return new PageRequest { Size = size, After = cursor };
    }

    /// <summary>A comma-separated list of uids: null when the parameter is absent; an empty value is an empty list.</summary>
    public static List<Guid>? UidList(string? text, string name, FieldErrors errors)
    {
        if (text is null)
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

    /// <summary>The absolute URL of the page after <paramref name="page"/>: this request's URL with the cursor replaced; null on the last page.</summary>
    public static string? NextUrl<T>(HttpRequest request, Page<T> page)
    {
        if (page.NextCursor is null)
        {
            return null;
        }

        var query = new QueryBuilder();
        foreach (var (key, values) in request.Query)
        {
            if (!key.Equals("cursor", StringComparison.Ordinal))
            {
                foreach (var value in values)
                {
                    query.Add(key, value ?? "");
                }
            }
        }

        query.Add("cursor", page.NextCursor);
        return UriHelper.BuildAbsolute(request.Scheme, request.Host, request.PathBase, request.Path, query.ToQueryString());
    }
}
