using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The parameters of a portfolio or group filter page: <see cref="Selection.NamedOrSearched"/> and <see cref="Selection.Page"/>.</summary>
internal sealed record FilterParameters(
    [property: DbValue(Name = "uids")] object? Uids,
    [property: DbValue(Name = "ids")] object? Ids,
    [property: DbValue(Name = "search")] string? Search,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit);

/// <summary>The parameters of a membership scope (<see cref="Selection.InScope"/>), and of its page when it is a listing.</summary>
internal sealed record ScopeParameters(
    [property: DbValue(Name = "groupUids")] object? GroupUids,
    [property: DbValue(Name = "groupIds")] object? GroupIds,
    [property: DbValue(Name = "portfolioUids")] object? PortfolioUids,
    [property: DbValue(Name = "portfolioIds")] object? PortfolioIds,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit);

/// <summary>
/// The WHERE and page pieces that several repositories' statements share, and the parameter values
/// that go with them. Each piece uses fixed parameter names, so a statement's parameters are one
/// fixed object whatever the filter (a piece left out leaves its parameter null and unused).
/// </summary>
internal static class Selection
{
    /// <summary>
    /// True for rows (through <paramref name="uidColumn"/>) the set names: its uids
    /// (<paramref name="uids"/>) or its unique identifiers resolved in <paramref name="table"/>
    /// (<paramref name="ids"/>). Each side of the set is one parameter, whatever its size.
    /// </summary>
    public static string Named(Database database, KeySet keys, string table, string uidColumn, string uids, string ids)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 })
        {
            parts.Add(database.InSet(uidColumn, uids));
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            parts.Add($"{uidColumn} IN (SELECT uid FROM {table} WHERE {database.InSet("unique_identifier", ids)})");
        }

        return parts.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", parts) + ")";
    }

    /// <summary>The rows a portfolio or group filter selects: named by the set (when given), containing the search text (when given). Parameters: @uids, @ids, @search.</summary>
    public static string NamedOrSearched(Database database, KeySet keys, string table, string? search)
    {
        var where = new List<string> { "1 = 1" };
        if (keys.IsGiven)
        {
            where.Add(Named(database, keys, table, "uid", "@uids", "@ids"));
        }

        if (search is not null)
        {
            where.Add($"({database.Contains("unique_identifier", "@search")} OR {database.Contains("display_name", "@search")})");
        }

        return string.Join(" AND ", where);
    }

    /// <summary>
    /// The keyset page: rows after the cursor, in order, one more than the page size (to know whether
    /// more follow). Every column in <paramref name="boundColumns"/> is bounded by the cursor, so a
    /// join is bounded on both sides of its key. Parameters: @after, @limit.
    /// </summary>
    public static string Page(PageQuery page, string orderColumn, params string[] boundColumns)
    {
        var after = page.After is null ? "" : string.Concat(boundColumns.Prepend(orderColumn).Select(c => $" AND {c} > @after"));
        return $"{after} ORDER BY {orderColumn} LIMIT @limit";
    }

    /// <summary>Memberships whose group and portfolio are in the sets given (a side not given is not restricted). Parameters: @groupUids, @groupIds, @portfolioUids, @portfolioIds.</summary>
    public static string InScope(Database database, KeySet groups, KeySet portfolios)
    {
        var where = new List<string> { "1 = 1" };
        if (groups.IsGiven)
        {
            where.Add(Named(database, groups, database.Group, "portfolio_group_uid", "@groupUids", "@groupIds"));
        }

        if (portfolios.IsGiven)
        {
            where.Add(Named(database, portfolios, database.Portfolio, "portfolio_uid", "@portfolioUids", "@portfolioIds"));
        }

        return string.Join(" AND ", where);
    }

    /// <summary>The parameters of <see cref="NamedOrSearched"/> followed by <see cref="Page"/>.</summary>
    public static FilterParameters FilterParameters(Database database, KeySet keys, string? search, PageQuery page) =>
        new(Uids(database, keys), Ids(database, keys), search is null ? null : database.SearchValue(search), After(database, page), page.Limit);

    /// <summary>The parameters of <see cref="InScope"/>, followed by <see cref="Page"/> when <paramref name="page"/> is given.</summary>
    public static ScopeParameters ScopeParameters(Database database, KeySet groups, KeySet portfolios, PageQuery? page = null) =>
        new(Uids(database, groups), Ids(database, groups), Uids(database, portfolios), Ids(database, portfolios), page is { } p ? After(database, p) : null, page?.Limit ?? 0);

    /// <summary>The @uids value of <see cref="Named"/>; null when unused.</summary>
    public static object? Uids(Database database, KeySet keys) => keys.Uids is { Count: > 0 } uids ? database.UidSet(uids) : null;

    /// <summary>The @ids value of <see cref="Named"/>; null when unused.</summary>
    public static object? Ids(Database database, KeySet keys) =>
        keys.UniqueIdentifiers is { Count: > 0 } ids ? database.TextSet(ids) : null;

    /// <summary>The @after value of <see cref="Page"/>; null on the first page.</summary>
    public static object? After(Database database, PageQuery page) => page.After is { } after ? database.Uid(after) : null;
}
