using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The parameters of a portfolio or group filter page: <see cref="Selection.NamedOrSearched"/> and <see cref="Selection.Page"/>.</summary>
internal sealed record FilterParameters(
    [property: DbValue(Name = "uids")] object? Uids,
    [property: DbValue(Name = "ids")] object? Ids,
    [property: DbValue(Name = "search")] string? Search,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit,
    [property: DbValue(Name = "displayName")] string? DisplayName = null);

/// <summary>The parameters of a membership scope (<see cref="Selection.InScope"/>), and of its page when it is a listing.</summary>
internal sealed record ScopeParameters(
    [property: DbValue(Name = "groupUids")] object? GroupUids,
    [property: DbValue(Name = "groupIds")] object? GroupIds,
    [property: DbValue(Name = "portfolioUids")] object? PortfolioUids,
    [property: DbValue(Name = "portfolioIds")] object? PortfolioIds,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit);

/// <summary>The parameters of a portfolio filter (<see cref="Selection.NamedOrSearched"/>, <see cref="Selection.InGroups"/>), and of its page when it is a listing.</summary>
internal sealed record PortfolioFilterParameters(
    [property: DbValue(Name = "uids")] object? Uids,
    [property: DbValue(Name = "ids")] object? Ids,
    [property: DbValue(Name = "search")] string? Search,
    [property: DbValue(Name = "allUids")] object? AllUids,
    [property: DbValue(Name = "allIds")] object? AllIds,
    [property: DbValue(Name = "allUidCount")] int AllUidCount,
    [property: DbValue(Name = "allIdCount")] int AllIdCount,
    [property: DbValue(Name = "anyUids")] object? AnyUids,
    [property: DbValue(Name = "anyIds")] object? AnyIds,
    [property: DbValue(Name = "noneUids")] object? NoneUids,
    [property: DbValue(Name = "noneIds")] object? NoneIds,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit);

/// <summary>
/// The group conditions of a portfolio filter, each a set of groups or <see cref="KeySet.NotGiven"/>:
/// in every group of <paramref name="All"/>, in at least one of <paramref name="Any"/>, in none of
/// <paramref name="None"/>. Made by the services, which turn the caller's empty collections into
/// their meaning (an empty <paramref name="All"/> or <paramref name="None"/> is not given; an empty
/// <paramref name="Any"/> selects nothing).
/// </summary>
internal sealed record GroupConditions(KeySet All, KeySet Any, KeySet None)
{
    public static GroupConditions NotGiven { get; } = new(KeySet.NotGiven, KeySet.NotGiven, KeySet.NotGiven);
}

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
        var byUid = keys.Uids is { Count: > 0 };
        var byId = keys.UniqueIdentifiers is { Count: > 0 };
        if (byUid && byId)
        {
            // Not an OR of the two: PostgreSQL would test the uids as a filter, one by one, on every row.
            return $"{uidColumn} IN (SELECT uid FROM {table} t WHERE {database.InKeySet("uid", uids)} "
                   + $"UNION ALL SELECT uid FROM {table} t WHERE {database.InSet("unique_identifier", ids)})";
        }

        return byUid ? database.InKeySet(uidColumn, uids)
            : byId ? $"{uidColumn} IN (SELECT uid FROM {table} t WHERE {database.InSet("unique_identifier", ids)})"
            : "1 = 0";
    }

    /// <summary>
    /// The FROM clause of a portfolio or group filter: <paramref name="table"/> aliased
    /// <paramref name="alias"/>, joined to the set's uids (as <c>k(uid)</c>) where the database
    /// reads a set as rows (PostgreSQL) and the set has uids; <c>Joined</c> says whether the join
    /// already selects the named rows, for <see cref="NamedOrSearched"/> and <see cref="FilterPage"/>.
    /// With unique identifiers too, the join is to the union of both sides (each row once).
    /// </summary>
    public static (string From, bool Joined) FilterFrom(Database database, KeySet keys, string table, string alias)
    {
        if (keys.Uids is not { Count: > 0 } || database.UidSetRows("@uids") is not { } uids)
        {
            return ($"{table} {alias}", false);
        }

        var set = keys.UniqueIdentifiers is { Count: > 0 }
            ? $"(SELECT {uids} UNION SELECT uid FROM {table} t WHERE {database.InSet("unique_identifier", "@ids")})"
            : uids;
        return ($"{table} {alias} JOIN {set} AS k(uid) ON k.uid = {alias}.uid", true);
    }

    /// <summary>
    /// A filter's page statement: <paramref name="select"/> (a SELECT ... FROM ... WHERE over
    /// <see cref="FilterFrom"/>, whose columns are <paramref name="columns"/>) followed by
    /// <see cref="Page"/>. When the set is joined, the joined rows are taken first and then ordered
    /// and cut: with the LIMIT in view, PostgreSQL would rather merge the key set with the whole
    /// primary key index in order, betting that the page fills early (it read all 200,000 rows
    /// of a table to find 1,000 named ones: 350 ms, against 80-130 ms for the hash join).
    /// Parameters: @after, @limit.
    /// </summary>
    public static string FilterPage(string select, bool joined, string columns, PageQuery page, string orderColumn, params string[] boundColumns)
    {
        if (!joined)
        {
            return select + Page(page, orderColumn, boundColumns);
        }

        return $"SELECT {columns} FROM ({select}{Bound(page, [orderColumn, .. boundColumns, "k.uid"])} OFFSET 0) AS s ORDER BY uid LIMIT @limit";
    }

    /// <summary>
    /// The rows a portfolio or group filter selects: named by the set (when given, and not
    /// <paramref name="joined"/> by <see cref="FilterFrom"/>), containing the search text (when
    /// given), with exactly the display name (when given). Parameters: @uids, @ids, @search, @displayName.
    /// </summary>
    public static string NamedOrSearched(Database database, KeySet keys, string table, string? search, string? displayName = null, bool joined = false)
    {
        var where = new List<string> { "1 = 1" };
        if (keys.IsGiven && !joined)
        {
            where.Add(Named(database, keys, table, "uid", "@uids", "@ids"));
        }

        if (search is not null)
        {
            where.Add($"({database.Contains("unique_identifier", "@search")} OR {database.Contains("display_name", "@search")})");
        }

        if (displayName is not null)
        {
            where.Add("display_name = @displayName");
        }

        return string.Join(" AND ", where);
    }

    /// <summary>
    /// The group conditions of a portfolio filter, as SQL to append to a WHERE over the portfolio
    /// table aliased <c>p</c> (empty when none is given). A group reference that names no group
    /// is a group without members: an <c>All</c> condition naming one selects nothing, and it adds
    /// nothing to <c>Any</c> or <c>None</c>. "In all of" is one <c>EXISTS</c> per group up to
    /// <see cref="MaxGroupsAsExists"/> groups, a division above. With <paramref name="paged"/>, the
    /// division is bounded by the cursor too, so a later page does not count earlier portfolios.
    /// Parameters: @allUids, @allIds, @allUidCount, @allIdCount, @anyUids, @anyIds, @noneUids, @noneIds (and @after).
    /// </summary>
    public static string InGroups(Database database, GroupConditions groups, bool paged)
    {
        var sql = "";
        if (groups.All.IsGiven)
        {
            sql += AllCount(groups.All) <= MaxGroupsAsExists ? InAllAsExists(database, groups.All) : InAllAsDivision(database, groups.All, paged);
        }

        if (groups.Any.IsGiven)
        {
            sql += groups.Any.IsEmpty
                ? " AND 1 = 0"
                : $" AND EXISTS (SELECT 1 FROM {database.Membership} m WHERE m.portfolio_uid = p.uid AND {GroupOf("m.portfolio_group_uid", database, groups.Any, "@anyUids", "@anyIds")})";
        }

        if (groups.None.IsGiven && !groups.None.IsEmpty)
        {
            sql += $" AND NOT EXISTS (SELECT 1 FROM {database.Membership} m WHERE m.portfolio_uid = p.uid AND {GroupOf("m.portfolio_group_uid", database, groups.None, "@noneUids", "@noneIds")})";
        }

        return sql;
    }

    /// <summary>
    /// The most group references an "in all of" condition writes as one <c>EXISTS</c> each; above
    /// it, the condition divides. PostgreSQL pulls each <c>EXISTS</c> up into a join and searches
    /// the orders of all of them: over 100k portfolios and 1,000 groups, planning took about
    /// 0.6 ms for 2 groups, 1.5 ms for 3, 6-9 ms for 4, 10-18 ms for 5, 25-50 ms for 6 and
    /// 50-100 ms for 8, while executing stayed under 1 ms. The division plans in under 2 ms for any
    /// number of groups, but reads every membership of the named groups (70-250 ms there for two
    /// groups of 50,000 and 33,334 members, against 25-45 ms as two <c>EXISTS</c>).
    /// </summary>
    internal const int MaxGroupsAsExists = 4;

    /// <summary>How many references an "in all of" set holds (a group named by uid and by identifier counts twice).</summary>
    internal static int AllCount(KeySet keys) => (keys.Uids?.Count ?? 0) + (keys.UniqueIdentifiers?.Count ?? 0);

    /// <summary>
    /// "In all of" a few groups as one <c>EXISTS</c> per reference, what a hand-written query does:
    /// PostgreSQL merges the memberships of each group (index order is portfolio order) and stops
    /// at the page's end. A uid is compared directly (an unknown one has no membership, so nothing
    /// is selected); an identifier resolves through the group table (an unknown one gives NULL,
    /// which equals nothing). A group named twice repeats a condition that already holds.
    /// </summary>
    private static string InAllAsExists(Database database, KeySet keys)
    {
        var sql = "";
        var exists = $" AND EXISTS (SELECT 1 FROM {database.Membership} m WHERE m.portfolio_uid = p.uid AND m.portfolio_group_uid = ";
        for (var i = 0; i < (keys.Uids?.Count ?? 0); i++)
        {
            sql += $"{exists}{database.SetElement("@allUids", i)})";
        }

        for (var i = 0; i < (keys.UniqueIdentifiers?.Count ?? 0); i++)
        {
            sql += $"{exists}(SELECT uid FROM {database.Group} WHERE unique_identifier = {database.SetElement("@allIds", i)}))";
        }

        return sql;
    }

    /// <summary>
    /// "In all of" any number of groups, by relational division: the membership pair is unique, so
    /// a portfolio is in every named group when it has as many memberships among them as there
    /// are groups. With <paramref name="paged"/>, the grouped subquery is bounded by the cursor too.
    /// </summary>
    private static string InAllAsDivision(Database database, KeySet keys, bool paged)
    {
        // Measured on PostgreSQL (100k portfolios, 1,000 groups): 3 ms for two groups of ~1,000,
        // 160 ms when one group holds every portfolio; a double NOT EXISTS took 270-440 ms.
        var named = NamedGroups(database, keys, "@allUids", "@allIds");
        var bound = paged ? " AND m.portfolio_uid > @after" : "";
        var sql = $" AND p.uid IN (SELECT m.portfolio_uid FROM {database.Membership} m WHERE {GroupOf("m.portfolio_group_uid", database, keys, "@allUids", "@allIds")}{bound} "
                  + $"GROUP BY m.portfolio_uid HAVING count(*) = (SELECT count(*) FROM ({named}) a))";

        // Every reference must name a group: one that names none is an empty group.
        if (keys.Uids is { Count: > 0 })
        {
            sql += $" AND (SELECT count(*) FROM {database.Group} WHERE {database.InKeySet("uid", "@allUids")}) = @allUidCount";
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            sql += $" AND (SELECT count(*) FROM {database.Group} WHERE {database.InSet("unique_identifier", "@allIds")}) = @allIdCount";
        }

        return sql;
    }

    /// <summary>
    /// True when <paramref name="column"/> holds a group the set names: its uids compared directly
    /// (an unknown uid matches no membership, so no lookup in the group table is needed), its unique
    /// identifiers resolved in the group table. Inside a per-portfolio EXISTS, the direct comparison
    /// is what lets PostgreSQL plan the hand-written query's semi-join.
    /// </summary>
    public static string GroupOf(string column, Database database, KeySet keys, string uids, string ids)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 })
        {
            parts.Add(database.InSet(column, uids));
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            parts.Add($"{column} IN (SELECT uid FROM {database.Group} WHERE {database.InSet("unique_identifier", ids)})");
        }

        return parts.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", parts) + ")";
    }

    /// <summary>A SELECT of the uids of the groups a set names (each once), for use inside a statement.</summary>
    public static string NamedGroups(Database database, KeySet keys, string uids, string ids)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 })
        {
            parts.Add($"SELECT uid FROM {database.Group} WHERE {database.InKeySet("uid", uids)}");
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            parts.Add($"SELECT uid FROM {database.Group} WHERE {database.InSet("unique_identifier", ids)}");
        }

        // UNION (not OR, not UNION ALL): each side is an index lookup, and a group named both ways counts once.
        return parts.Count == 0 ? $"SELECT uid FROM {database.Group} WHERE 1 = 0" : string.Join(" UNION ", parts);
    }

    /// <summary>
    /// The keyset page: rows after the cursor, in order, one more than the page size (to know whether
    /// more follow). Every column in <paramref name="boundColumns"/> is bounded by the cursor, so a
    /// join is bounded on both sides of its key. Parameters: @after, @limit.
    /// </summary>
    public static string Page(PageQuery page, string orderColumn, params string[] boundColumns) =>
        $"{Bound(page, [orderColumn, .. boundColumns])} ORDER BY {orderColumn} LIMIT @limit";

    /// <summary>The cursor's bound on each of <paramref name="columns"/> (empty on the first page). Parameter: @after.</summary>
    private static string Bound(PageQuery page, IEnumerable<string> columns) =>
        page.After is null ? "" : string.Concat(columns.Select(c => $" AND {c} > @after"));

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

    /// <summary>The parameters of <see cref="NamedOrSearched"/>, followed by <see cref="Page"/> when <paramref name="page"/> is given.</summary>
    public static FilterParameters FilterParameters(Database database, KeySet keys, string? search, PageQuery? page, string? displayName = null) =>
        new(Uids(database, keys), Ids(database, keys), search is null ? null : database.SearchValue(search), page is { } p ? After(database, p) : null, page?.Limit ?? 0, displayName);

    /// <summary>The parameters of a portfolio filter: <see cref="NamedOrSearched"/> and <see cref="InGroups"/>, followed by <see cref="Page"/> when <paramref name="page"/> is given.</summary>
    public static PortfolioFilterParameters PortfolioFilterParameters(Database database, KeySet keys, string? search, GroupConditions groups, PageQuery? page) =>
        new(
            Uids(database, keys),
            Ids(database, keys),
            search is null ? null : database.SearchValue(search),
            Uids(database, groups.All),
            Ids(database, groups.All),
            groups.All.Uids?.Count ?? 0,
            groups.All.UniqueIdentifiers?.Count ?? 0,
            Uids(database, groups.Any),
            Ids(database, groups.Any),
            Uids(database, groups.None),
            Ids(database, groups.None),
            page is { } p ? After(database, p) : null,
            page?.Limit ?? 0);

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
