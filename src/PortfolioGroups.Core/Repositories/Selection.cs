using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

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

    /// <summary>The @uids value of <see cref="Named"/>; null when unused.</summary>
    public static object? Uids(Database database, KeySet keys) => keys.Uids is { Count: > 0 } uids ? database.UidSet(uids) : null;

    /// <summary>The @ids value of <see cref="Named"/>; null when unused.</summary>
    public static object? Ids(Database database, KeySet keys) =>
        keys.UniqueIdentifiers is { Count: > 0 } ids ? database.TextSet(ids) : null;

    /// <summary>The @search value of <see cref="NamedOrSearched"/>; null when unused.</summary>
    public static string? Search(Database database, string? search) => search is null ? null : database.SearchValue(search);

    /// <summary>The @after value of <see cref="Page"/>; null on the first page.</summary>
    public static object? After(Database database, PageQuery page) => page.After is { } after ? database.Uid(after) : null;
}
