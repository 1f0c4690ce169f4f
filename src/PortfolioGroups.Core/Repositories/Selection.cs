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
/// <summary>
/// What <see cref="Selection.InGroups"/> adds to a portfolio filter: a join for its FROM, SQL
/// for its WHERE, and the column the join orders the portfolios by (null when it adds no join).
/// </summary>
internal sealed record GroupJoin(string Join, string Where, string? OrderColumn);

internal static class Selection
{
    /// <summary>
    /// True for rows (through <paramref name="uidColumn"/>) the set names: its uids
    /// (<paramref name="uids"/>) or its unique identifiers (<paramref name="ids"/>), each side
    /// joined to <paramref name="table"/>, so only the rows found are collected (never a filter
    /// over the parameter). Each side of the set is one parameter, whatever its size.
    /// </summary>
    public static string Named(Database database, KeySet keys, string table, string uidColumn, string uids, string ids)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 })
        {
            parts.Add($"SELECT t.uid FROM {database.KeyRows(uids, "k")} JOIN {table} t ON t.uid = k.value");
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            parts.Add($"SELECT t.uid FROM {database.KeyRows(ids, "k")} JOIN {table} t ON t.unique_identifier = k.value");
        }

        // UNION ALL: a row named both ways is in the result of IN once whatever the subquery holds.
        return parts.Count == 0 ? "1 = 0" : $"{uidColumn} IN ({string.Join(" UNION ALL ", parts)})";
    }

    /// <summary>
    /// A FROM item (a derived table with a <c>uid</c> column) holding the uid of every row the set
    /// names, each once: its uids as given (whether a row has them is for the join that uses it to
    /// find) and the uids of the rows of <paramref name="table"/> its unique identifiers name.
    /// Null when the set names nothing.
    /// </summary>
    public static string? NamedRows(Database database, KeySet keys, string table, string uids, string ids)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 })
        {
            parts.Add($"SELECT k.value AS uid FROM {database.KeyRows(uids, "k")}");
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            parts.Add($"SELECT t.uid FROM {database.KeyRows(ids, "k")} JOIN {table} t ON t.unique_identifier = k.value");
        }

        // The guard makes each side distinct; UNION (not UNION ALL) counts a row named both ways once.
        return parts.Count == 0 ? null : "(" + string.Join(" UNION ", parts) + ")";
    }

    /// <summary>
    /// The FROM clause of a portfolio or group filter: <paramref name="table"/> aliased
    /// <paramref name="alias"/>, joined to the uids the set names (as <c>k(uid)</c>) when the set
    /// names some; <c>Joined</c> says whether the join already selects the named rows, for
    /// <see cref="NamedOrSearched"/> and <see cref="FilterPage"/>.
    /// </summary>
    public static (string From, bool Joined) FilterFrom(Database database, KeySet keys, string table, string alias)
    {
        if (NamedRows(database, keys, table, "@uids", "@ids") is not { } named)
        {
            return ($"{table} {alias}", false);
        }

        return ($"{table} {alias} JOIN {named} AS k ON k.uid = {alias}.uid", true);
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
    public static string FilterPage(Database database, string select, bool joined, string columns, PageQuery page, string orderColumn, params string[] boundColumns)
    {
        if (!joined)
        {
            return select + Page(page, orderColumn, boundColumns);
        }

        return $"SELECT {columns} FROM ({select}{Bound(page, [orderColumn, .. boundColumns, "k.uid"])}{database.KeepSubquery}) AS s ORDER BY uid LIMIT @limit";
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
    /// The group conditions of a portfolio filter over the portfolio table aliased <c>p</c>: a
    /// join to add to its FROM (empty when none), SQL to append to its WHERE (empty when none), and
    /// the column the page is ordered by and bounded on besides <c>p.uid</c> (null when none).
    /// The conditions follow the data. Where the planner estimates each group's members
    /// (PostgreSQL), "in all of" a few groups is the self-join of the membership table, driven from
    /// the group it finds smallest; "in any of" reads the named groups' memberships; "in none of"
    /// is an anti-join per portfolio, and "in none of" one group alone a merge anti-join with that
    /// group's range of the (group, portfolio) index. Where it does not (SQLite), the conditions on
    /// a few groups are one compound SELECT of the groups' ranges of the (group, portfolio) index
    /// (<see cref="InGroupsAsMerge"/>). A group reference that names no group is a group without
    /// members: an <c>All</c> condition naming one selects nothing, and it adds nothing to
    /// <c>Any</c> or <c>None</c>. Above <see cref="MaxGroupsAsExists"/> references, "in all of"
    /// divides; with <paramref name="paged"/>, the division is bounded by the cursor too, so a later
    /// page does not count earlier portfolios. When the filter also names its portfolios
    /// (<paramref name="named"/>), the named set drives and each portfolio is looked up instead.
    /// With <paramref name="smallNone"/> (the groups of "in none of" were counted and hold less than
    /// a quarter of a page, see <see cref="NoneAloneIsCounted"/>), "in none of" is <c>NOT IN</c> their members.
    /// Parameters: @allUids, @allIds, @allUidCount, @allIdCount, @anyUids, @anyIds, @noneUids, @noneIds (and @after).
    /// </summary>
    public static GroupJoin InGroups(Database database, GroupConditions groups, bool paged, bool named = false, bool smallNone = false)
    {
        var all = groups.All.IsGiven && AllCount(groups.All) <= MaxGroupsAsExists;
        var any = NamesAFew(groups.Any);
        var none = NamesAFew(groups.None);
        var merge = !database.EstimatesEachValue && !named && (all || any || (none && !smallNone));
        var join = "";
        var sql = "";
        string? driver = null;
        if (merge)
        {
            join = $" JOIN ({InGroupsAsMerge(database, all ? groups.All : null, any ? groups.Any : null, none ? groups.None : null, paged)}) s ON s.uid = p.uid";
            driver = "s.uid";
        }
        else if (all)
        {
            join = InAllAsSelfJoin(database, groups.All, out sql);
            driver = "m0.portfolio_uid";
        }

        if (groups.All.IsGiven && !all)
        {
            sql += InAllAsDivision(database, groups.All, paged);
        }

        if (groups.Any.IsGiven && !(merge && any))
        {
            // The named groups' memberships, each portfolio once, in portfolio order: SQLite walks
            // the set it collects in order and looks each portfolio up; PostgreSQL semi-joins. A
            // few groups are named one by one, so PostgreSQL sees each and estimates its size.
            sql += groups.Any.IsEmpty ? " AND 1 = 0"
                : any
                    ? $" AND p.uid IN (SELECT m.portfolio_uid FROM {database.Membership} m WHERE m.portfolio_group_uid IN ({string.Join(", ", Refs(database, groups.Any, "@anyUids", "@anyIds"))}))"
                    : $" AND p.uid IN (SELECT m.portfolio_uid FROM {NamedRows(database, groups.Any, database.Group, "@anyUids", "@anyIds")} AS n JOIN {database.Membership} m ON m.portfolio_group_uid = n.uid)";
        }

        if (database.EstimatesEachValue && NoneAlone(groups, named) && AllCount(groups.None) == 1)
        {
            // "In none of" one group alone, where the planner estimates (PostgreSQL): the group's
            // range of the (group, portfolio) index, in portfolio order, left-joined to the
            // portfolios read in uid order, keeping those it misses: a merge anti-join that reads
            // the range as far as the page goes. Written as NOT EXISTS, PostgreSQL merged with the
            // portfolio index instead, reading every membership of every portfolio up to the page's
            // end (page of 10,000 of 100,000 portfolios, a group of 50,000: 17.5-20.9 ms against
            // 30.8-39.6; NOT IN 37.7-53.3). With a cursor, the range starts after it too. The ORDER
            // BY states the range's order, which the index gives (nothing is sorted); OFFSET 0 keeps
            // the subquery as written.
            var bound = paged ? " AND m.portfolio_uid > @after" : "";
            join = $" LEFT JOIN (SELECT m.portfolio_uid FROM {database.Membership} m WHERE m.portfolio_group_uid = {Refs(database, groups.None, "@noneUids", "@noneIds")[0]}{bound} "
                   + "ORDER BY m.portfolio_uid OFFSET 0) nm ON nm.portfolio_uid = p.uid";
            sql += " AND nm.portfolio_uid IS NULL";
        }
        else if (groups.None.IsGiven && !groups.None.IsEmpty && !(merge && none))
        {
            // An anti-join: each portfolio is one index lookup per named group in the membership's
            // (group, portfolio) key. A few groups are named one by one (what a hand-written query
            // does); more are found once, joined, so only those that exist.
            var noneGroups = none
                ? string.Join(", ", Refs(database, groups.None, "@noneUids", "@noneIds"))
                : NamedGroups(database, groups.None, "@noneUids", "@noneIds");
            sql += smallNone
                ? $" AND p.uid NOT IN (SELECT m.portfolio_uid FROM {database.Membership} m WHERE m.portfolio_group_uid IN ({noneGroups}))"
                : $" AND NOT EXISTS (SELECT 1 FROM {database.Membership} m WHERE m.portfolio_uid = p.uid AND m.portfolio_group_uid IN ({noneGroups}))";
        }

        return new GroupJoin(join, sql, driver);
    }

    /// <summary>
    /// True when a page's only group condition is "in none of" a few groups, on a database whose
    /// planner does not estimate each group's members (SQLite): the plan then follows the groups'
    /// size, counted first (<see cref="NoneMembersUpToQuarterPage"/>). Less than a quarter of a page
    /// of members: <c>NOT IN</c> their members, which SQLite collects into a temporary index once
    /// and probes for each portfolio it reads in order (1,000 members, page of 10,000: the fastest
    /// hand-written form in four of seven runs, within 1.2x of it in the others; the merge up to
    /// 1.48x). More: the merge of the index ranges, which skips the members
    /// without reading their portfolios (at 10,000 and 50,000 members the fastest form, where the
    /// temporary index of <c>NOT IN</c> costs 1.2-1.7x).
    /// </summary>
    public static bool NoneAloneIsCounted(Database database, GroupConditions groups, bool named) =>
        !database.EstimatesEachValue && NoneAlone(groups, named);

    /// <summary>True when the only group condition is "in none of" a few groups and the filter names no portfolios.</summary>
    private static bool NoneAlone(GroupConditions groups, bool named) =>
        !named && !groups.All.IsGiven && !groups.Any.IsGiven && NamesAFew(groups.None);

    /// <summary>True for a condition given that names at least one and at most <see cref="MaxGroupsAsExists"/> groups, each named one by one.</summary>
    private static bool NamesAFew(KeySet keys) => keys.IsGiven && !keys.IsEmpty && AllCount(keys) <= MaxGroupsAsExists;

    /// <summary>
    /// The memberships of the groups of "in none of", counted up to a quarter of the page's @limit
    /// (rounded up): the groups' ranges of the (group, portfolio) key, read no further. Parameters:
    /// @noneUids, @noneIds, @limit.
    /// </summary>
    public static string NoneMembersUpToQuarterPage(Database database, GroupConditions groups) =>
        $"SELECT count(*) FROM (SELECT 1 FROM {database.Membership} WHERE portfolio_group_uid IN ({string.Join(", ", Refs(database, groups.None, "@noneUids", "@noneIds"))}) LIMIT (@limit + 3) / 4) AS c";

    /// <summary>
    /// The most group references a condition names one by one: "in all of" as a self-join or a
    /// merge, "in any of" and "in none of" as a merge or a lookup per reference; above it, "in all
    /// of" divides and the others join the named groups. PostgreSQL plans each lookup it can pull
    /// up into a join, and searches the orders of all of them: over 100k portfolios and 1,000
    /// groups, planning took about 0.6 ms for 2 groups, 1.5 ms for 3, 6-9 ms for 4, 10-18 ms for 5,
    /// 25-50 ms for 6 and 50-100 ms for 8, while executing stayed under 1 ms. The division plans in
    /// under 2 ms for any number of groups, but reads every membership of the named groups.
    /// </summary>
    internal const int MaxGroupsAsExists = 4;

    /// <summary>How many references an "in all of" set holds (a group named by uid and by identifier counts twice).</summary>
    internal static int AllCount(KeySet keys) => (keys.Uids?.Count ?? 0) + (keys.UniqueIdentifiers?.Count ?? 0);

    /// <summary>
    /// "In all of" a few groups as the hand-written self-join of the membership table, for a
    /// planner that estimates each group's members (<see cref="Database.EstimatesEachValue"/>): the
    /// memberships of the first reference, aliased <c>m0</c>, joined to the portfolio, and one join
    /// per other reference; the planner drives the join from the group it finds smallest, and a
    /// page stops at its end. A uid is used directly (an unknown one has no membership); an
    /// identifier resolves through the group table (an unknown one gives NULL, which equals
    /// nothing). Returns the join, and the WHERE to add as <paramref name="where"/>.
    /// </summary>
    private static string InAllAsSelfJoin(Database database, KeySet keys, out string where)
    {
        var refs = Refs(database, keys, "@allUids", "@allIds");
        var join = $" JOIN {database.Membership} m0 ON m0.portfolio_uid = p.uid";
        for (var i = 1; i < refs.Count; i++)
        {
            join += $" JOIN {database.Membership} m{i} ON m{i}.portfolio_uid = m0.portfolio_uid AND m{i}.portfolio_group_uid = {refs[i]}";
        }

        where = $" AND m0.portfolio_group_uid = {refs[0]}";
        return join;
    }

    /// <summary>
    /// The portfolios in any of <paramref name="any"/>, in all of <paramref name="all"/> and in none
    /// of <paramref name="none"/> (each a few references, or null when not a condition) as one
    /// compound SELECT of a column <c>uid</c>, ordered by it: each reference is its group's range
    /// of the (group, portfolio) index, already in portfolio order, so SQLite merges the ranges
    /// (UNION, then INTERSECT, then EXCEPT: its compound operators group from left to right) and
    /// a page stops reading at its end, whatever the groups' sizes. Without <paramref name="any"/>
    /// or <paramref name="all"/>, the merge starts from every portfolio. With
    /// <paramref name="paged"/>, every range starts after the cursor.
    /// </summary>
    private static string InGroupsAsMerge(Database database, KeySet? all, KeySet? any, KeySet? none, bool paged)
    {
        var bound = paged ? " AND portfolio_uid > @after" : "";
        var arms = new List<string>();
        string Range(string reference) => $"SELECT portfolio_uid AS uid FROM {database.Membership} WHERE portfolio_group_uid = {reference}{bound}";
        if (any is not null)
        {
            arms.AddRange(Refs(database, any, "@anyUids", "@anyIds").Select(r => (arms.Count == 0 ? "" : "UNION ") + Range(r)));
        }

        if (all is not null)
        {
            foreach (var reference in Refs(database, all, "@allUids", "@allIds"))
            {
                arms.Add((arms.Count == 0 ? "" : "INTERSECT ") + Range(reference));
            }
        }

        if (arms.Count == 0)
        {
            arms.Add($"SELECT a.uid FROM {database.Portfolio} a{(paged ? " WHERE a.uid > @after" : "")}");
        }

        if (none is not null)
        {
            arms.AddRange(Refs(database, none, "@noneUids", "@noneIds").Select(r => "EXCEPT " + Range(r)));
        }

        return string.Join(" ", arms) + " ORDER BY 1";
    }

    /// <summary>
    /// Each group reference of a set as a value fixed for the statement: a uid as the set's
    /// element (an unknown one has no membership), an identifier resolved through the group table
    /// (an unknown one gives NULL, which equals nothing).
    /// </summary>
    private static List<string> Refs(Database database, KeySet keys, string uids, string ids)
    {
        var refs = new List<string>();
        for (var i = 0; i < (keys.Uids?.Count ?? 0); i++)
        {
            refs.Add(database.SetElement(uids, i));
        }

        for (var i = 0; i < (keys.UniqueIdentifiers?.Count ?? 0); i++)
        {
            refs.Add($"(SELECT uid FROM {database.Group} WHERE unique_identifier = {database.SetElement(ids, i)})");
        }

        return refs;
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
        var sql = $" AND p.uid IN (SELECT m.portfolio_uid FROM ({named}) n JOIN {database.Membership} m ON m.portfolio_group_uid = n.uid{bound} "
                  + $"GROUP BY m.portfolio_uid HAVING count(*) = (SELECT count(*) FROM ({named}) a))";

        // Every reference must name a group: one that names none is an empty group.
        if (keys.Uids is { Count: > 0 })
        {
            sql += $" AND (SELECT count(*) FROM {database.KeyRows("@allUids", "k")} JOIN {database.Group} g ON g.uid = k.value) = @allUidCount";
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            sql += $" AND (SELECT count(*) FROM {database.KeyRows("@allIds", "k")} JOIN {database.Group} g ON g.unique_identifier = k.value) = @allIdCount";
        }

        return sql;
    }

    /// <summary>A SELECT of the uids of the groups a set names (each once), for use inside a statement.</summary>
    public static string NamedGroups(Database database, KeySet keys, string uids, string ids)
    {
        var parts = new List<string>();
        if (keys.Uids is { Count: > 0 })
        {
            parts.Add($"SELECT g.uid FROM {database.KeyRows(uids, "k")} JOIN {database.Group} g ON g.uid = k.value");
        }

        if (keys.UniqueIdentifiers is { Count: > 0 })
        {
            parts.Add($"SELECT g.uid FROM {database.KeyRows(ids, "k")} JOIN {database.Group} g ON g.unique_identifier = k.value");
        }

        // UNION (not OR, not UNION ALL): each side is a join of the set to the group table's index, and a group named both ways counts once.
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

    /// <summary>
    /// The memberships a scope selects, as a FROM clause over the membership table aliased
    /// <paramref name="alias"/> and the WHERE to go with it: each side the scope names is joined
    /// to the membership's column as the uids it names (<see cref="NamedRows"/>, each once), so a
    /// set of 40,000 portfolio uids is the plain join of the set to the membership's portfolio
    /// index, not first a join to the portfolio table (on PostgreSQL, a hash of the whole table:
    /// 17.6 ms against 6.4 ms for the plain join). A side named but empty selects nothing.
    /// Same selection as <see cref="InScope"/>. Parameters: @groupUids, @groupIds, @portfolioUids, @portfolioIds.
    /// </summary>
    public static (string From, string Where) ScopeFrom(Database database, KeySet groups, KeySet portfolios, string alias)
    {
        var from = $"{database.Membership} {alias}";
        var where = "1 = 1";
        void Side(KeySet keys, string table, string column, string uids, string ids, string name)
        {
            if (!keys.IsGiven)
            {
                return;
            }

            if (NamedRows(database, keys, table, uids, ids) is { } named)
            {
                from += $" JOIN {named} AS {name} ON {name}.uid = {alias}.{column}";
            }
            else
            {
                where = "1 = 0";
            }
        }

        Side(portfolios, database.Portfolio, "portfolio_uid", "@portfolioUids", "@portfolioIds", "np");
        Side(groups, database.Group, "portfolio_group_uid", "@groupUids", "@groupIds", "ng");
        return (from, where);
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
