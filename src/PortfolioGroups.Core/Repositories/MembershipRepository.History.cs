using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>
/// A membership interval as the history table holds it; the instants as the database returns them
/// (<see cref="Storage.Database.ReadInstant"/>: text on SQLite, a UTC <see cref="DateTime"/> on PostgreSQL).
/// </summary>
internal sealed record IntervalRecord(
    long HistoryId,
    Guid MembershipUid,
    Guid PortfolioGroupUid,
    string GroupUniqueIdentifier,
    Guid PortfolioUid,
    string PortfolioUniqueIdentifier,
    object ValidFrom,
    object? ValidTo);

/// <summary>Turns history records into the rows the callers get.</summary>
internal static class IntervalRecords
{
    public static MembershipInterval ToInterval(this IntervalRecord r) => new(
        r.MembershipUid,
        r.PortfolioGroupUid,
        r.GroupUniqueIdentifier,
        r.PortfolioUid,
        r.PortfolioUniqueIdentifier,
        Database.ReadInstant(r.ValidFrom),
        r.ValidTo is { } to ? Database.ReadInstant(to) : null);
}

/// <summary>An interval of an offset page, with the listing's total; the interval's columns are null on an empty page.</summary>
internal sealed record CountedIntervalRecord(
    long TotalCount,
    long ParentCount,
    long? HistoryId,
    Guid? MembershipUid,
    Guid? PortfolioGroupUid,
    string? GroupUniqueIdentifier,
    Guid? PortfolioUid,
    string? PortfolioUniqueIdentifier,
    object? ValidFrom,
    object? ValidTo)
{
    public IntervalRecord? Row => HistoryId is { } id
        ? new IntervalRecord(id, MembershipUid!.Value, PortfolioGroupUid!.Value, GroupUniqueIdentifier!, PortfolioUid!.Value, PortfolioUniqueIdentifier!, ValidFrom!, ValidTo)
        : null;
}

/// <summary>
/// The parameters of the history's reads; each statement names only those it uses (an unused one is
/// an empty text or 0). <c>named</c> and <c>identifier</c>: the uid or uids an identifier named and
/// that identifier, when the change log reads a side named by an identifier as by those uids.
/// </summary>
internal sealed record HistoryParameters(
    [property: DbValue(Name = "key")] object Key,
    [property: DbValue(Name = "asOf")] string AsOf,
    [property: DbValue(Name = "group")] object Group,
    [property: DbValue(Name = "portfolio")] object Portfolio,
    [property: DbValue(Name = "from")] string From,
    [property: DbValue(Name = "to")] string To,
    [property: DbValue(Name = "limit")] int Limit,
    [property: DbValue(Name = "offset")] int Offset,
    [property: DbValue(Name = "after")] long After = 0,
    [property: DbValue(Name = "named")] object? Named = null,
    [property: DbValue(Name = "identifier")] string Identifier = "");

/// <summary>
/// The parameters of a read of the intervals in force of one group or portfolio; <c>after</c> is null
/// and <c>limit</c> 0 when not given (and unused); <c>identifier</c>, the identifier the intervals
/// recorded when <c>key</c> is the one uid it names (else null, and unused).
/// </summary>
internal sealed record InForceParameters(
    [property: DbValue(Name = "key")] object Key,
    [property: DbValue(Name = "asOf")] string AsOf,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit,
    [property: DbValue(Name = "identifier")] string? Identifier = null);

/// <summary>A group, by uid and the unique identifier it had when an interval opened, and its number of intervals in force at an instant.</summary>
internal sealed record GroupCountAsOfRecord(Guid PortfolioGroupUid, string GroupUniqueIdentifier, long Members);

/// <summary>A portfolio as of an instant: its uid and the unique identifier its latest interval in force then recorded.</summary>
internal sealed record PortfolioAsOfRecord(Guid Uid, string UniqueIdentifier)
{
    public PortfolioAsOf ToPortfolioAsOf() => new(Uid, UniqueIdentifier);
}

/// <summary>The parameters of an as-of set filter (<see cref="MembershipRepository.StreamPortfoliosAsOfAsync"/>); a set not given is null and unused.</summary>
internal sealed record AsOfFilterParameters(
    [property: DbValue(Name = "asOf")] string AsOf,
    [property: DbValue(Name = "allUids")] object? AllUids,
    [property: DbValue(Name = "allIds")] object? AllIds,
    [property: DbValue(Name = "allCount")] int AllCount,
    [property: DbValue(Name = "anyUids")] object? AnyUids,
    [property: DbValue(Name = "anyIds")] object? AnyIds,
    [property: DbValue(Name = "noneUids")] object? NoneUids,
    [property: DbValue(Name = "noneIds")] object? NoneIds,
    [property: DbValue(Name = "after")] object? After,
    [property: DbValue(Name = "limit")] int Limit,
    [property: DbValue(Name = "one")] object? One);

/// <summary>Reads of the membership history (<c>portfolio_group_membership_history</c>), which the database's triggers keep.</summary>
internal sealed partial class MembershipRepository
{
    /// <summary>Which side of the history a read names: the group, or the portfolio.</summary>
    public enum HistorySide
    {
        Group,
        Portfolio,
    }

    /// <summary>
    /// The history's columns of one side (<see cref="ColumnsOf"/>): its value in the identifiers
    /// table's <c>side</c>, its uid and identifier columns, and the other side's.
    /// </summary>
    private readonly record struct SideColumns(string Side, string Uid, string Identifier, string OtherUid, string OtherIdentifier);

    private static SideColumns ColumnsOf(HistorySide side) => side == HistorySide.Group
        ? new(SchemaModel.GroupSide, "portfolio_group_uid", "group_unique_identifier", "portfolio_uid", "portfolio_unique_identifier")
        : new(SchemaModel.PortfolioSide, "portfolio_uid", "portfolio_unique_identifier", "portfolio_group_uid", "group_unique_identifier");

    /// <summary>An instant as the history's reads take it, at the database's precision.</summary>
    public string InstantValue(DateTimeOffset instant) => db.InstantValue(instant);

    private const string IntervalColumnsNoInstants =
        "h.history_id, h.membership_uid, h.portfolio_group_uid, h.group_unique_identifier, h.portfolio_uid, h.portfolio_unique_identifier";

    /// <summary>
    /// An interval's columns (aliased <c>h</c>), its end as <see cref="EffectiveEnd"/> says; <paramref name="group"/>
    /// is the one group's uid (a parameter) when every row is of that group, else null.
    /// </summary>
    private string IntervalColumns(string? group = null) =>
        $"{IntervalColumnsNoInstants}, h.valid_from, {EffectiveEnd("h", group)} AS valid_to";

    /// <summary>
    /// The intervals in force at <paramref name="asOf"/> (a value of <see cref="Storage.Database.InstantValue"/>) of one group or
    /// portfolio, named by uid or by a unique identifier it had when the interval opened; ordered by
    /// the other side's uid (then, when named by an identifier, which may name several, the named
    /// side's uid); after <paramref name="after"/> (the other side's uid) and at most
    /// <paramref name="limit"/> rows when given; streamed. By uid it walks the
    /// (<c>portfolio_group_uid</c>, <c>portfolio_uid</c>) or (<c>portfolio_uid</c>, <c>history_id</c>)
    /// index in that order, so a page reads its own rows and stops. By an identifier, the uids it
    /// named are read first (<see cref="InForceByIdentifierAsync"/>).
    /// </summary>
    public IAsyncEnumerable<IntervalRecord> StreamInForceAsync(HistorySide side, RowKey key, string asOf, Guid? after, int? limit, CancellationToken cancellationToken)
    {
        var operation = side == HistorySide.Group ? "portfolio_group.stream_portfolios_as_of" : "portfolio.stream_groups_as_of";
        var afterValue = after is { } position ? db.Uid(position) : null;
        if (!key.IsUid)
        {
            return db.StreamAsync(operation, c => InForceByIdentifierAsync(c, side, (string)key.Value(db), asOf, afterValue, limit), cancellationToken);
        }

        var sql = InForceSql(side, InForceKey.Uid, afterValue is not null, limit is not null);
        var parameters = new InForceParameters(key.Value(db), asOf, afterValue, limit ?? 0);
        return db.StreamAsync(operation, c => c.QueryUnbufferedAsync<IntervalRecord>(sql, parameters), cancellationToken);
    }

    /// <summary>
    /// <see cref="StreamInForceAsync"/> by an identifier, on one connection: the uids the identifier
    /// named (the history's identifiers table), then the intervals, read as by those uids. An
    /// identifier names one uid unless it passed from one group or portfolio to another (a group
    /// deleted and made again under the same identifier, a rename): one uid is read as by uid
    /// (<see cref="InForceKey.OneUidOfIdentifier"/>), up to <see cref="MaxMergedUids"/> as one index
    /// walk per uid, merged in order (<see cref="InForceKey.UidsOfIdentifier"/>), so a page stops at
    /// its end either way; more by one statement that sorts (<see cref="InForceKey.Identifier"/>).
    /// A group of 100,000 members, as one statement for any number of uids: SQLite streamed it in
    /// 244 ms (179 ms by uid); PostgreSQL, with two uids, in 448 ms, and its 200 keyset pages of 500
    /// took 18 s, each page reading and sorting the whole group. So: SQLite 184-216 ms, PostgreSQL 190
    /// ms and 331 ms for the pages (271 by uid).
    /// </summary>
    private async IAsyncEnumerable<IntervalRecord> InForceByIdentifierAsync(System.Data.Common.DbConnection connection, HistorySide side, string identifier, string asOf, object? after, int? limit)
    {
        var named = (await connection.QueryAsync<UidRecord>(
            $"{UidsNamed(side, "@identifier")} LIMIT {MaxMergedUids + 1}",
            new { identifier }).ConfigureAwait(false)).Select(r => r.Uid).ToList();
        if (named.Count == 0)
        {
            yield break;
        }

        var (how, parameters) = named.Count switch
        {
            1 => (InForceKey.OneUidOfIdentifier, new InForceParameters(db.Uid(named[0]), asOf, after, limit ?? 0, identifier)),
            <= MaxMergedUids => (InForceKey.UidsOfIdentifier, new InForceParameters(db.UidSet(named), asOf, after, limit ?? 0, identifier)),
            _ => (InForceKey.Identifier, new InForceParameters(identifier, asOf, after, limit ?? 0)),
        };
        var sql = InForceSql(side, how, after is not null, limit is not null, named.Count);
        await foreach (var row in connection.QueryUnbufferedAsync<IntervalRecord>(sql, parameters).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>The most uids of one identifier whose intervals in force are read as one index walk per uid, merged (<see cref="InForceKey.UidsOfIdentifier"/>).</summary>
    internal const int MaxMergedUids = 16;

    /// <summary>How a read of the intervals in force names its group or portfolio (<see cref="InForceSql"/>).</summary>
    internal enum InForceKey
    {
        /// <summary>By uid: @key.</summary>
        Uid,

        /// <summary>By the one uid an identifier named (@key), and that identifier (@identifier), which the intervals recorded.</summary>
        OneUidOfIdentifier,

        /// <summary>By the uids an identifier named (@key, a set of <see cref="Storage.Database.UidSet"/>), and that identifier (@identifier).</summary>
        UidsOfIdentifier,

        /// <summary>By an identifier (@key), whatever uids it named.</summary>
        Identifier,
    }

    /// <summary>
    /// The statement of <see cref="StreamInForceAsync"/>; parameters @key, @asOf, @identifier as
    /// <paramref name="how"/> says, and @after and @limit when bounded. <see cref="InForceKey.UidsOfIdentifier"/>:
    /// one SELECT per uid of the set (<paramref name="uids"/> of them), each walking the uid's index
    /// in the other side's order, in a <c>UNION ALL</c> ordered as every read by an identifier is:
    /// SQLite merges the ordered walks. A planner that estimates each value (PostgreSQL) sorts the
    /// arms' rows instead when it expects few, as the in-force filters make it expect, so for a page
    /// each arm is a page of its own (ordered and limited, as by uid) and the sort takes at most a
    /// page per uid.
    /// </summary>
    internal string InForceSql(HistorySide side, InForceKey how, bool after, bool limit, int uids = 1)
    {
        var columns = ColumnsOf(side);
        var bound = after ? $" AND h.{columns.OtherUid} > @after" : "";
        var end = limit ? $" LIMIT {db.PageLimit("@limit")}" : "";
        string Select(string named, string? group) =>
            $"SELECT {IntervalColumns(group)} FROM {db.MembershipHistory} h WHERE {named} AND {InForce("@asOf", group: group)}{bound}";
        string? GroupOf(string uid) => side == HistorySide.Group ? uid : null;
        return how switch
        {
            InForceKey.Uid => $"{Select($"h.{columns.Uid} = @key", GroupOf("@key"))} ORDER BY h.{columns.OtherUid}{end}",
            InForceKey.OneUidOfIdentifier => $"{Select($"h.{columns.Uid} = @key AND h.{columns.Identifier} = @identifier", GroupOf("@key"))} ORDER BY h.{columns.OtherUid}{end}",
            InForceKey.UidsOfIdentifier => string.Join(
                " UNION ALL ",
                Enumerable.Range(0, uids).Select(i => (i, uid: db.SetElement("@key", i))).Select(arm =>
                {
                    var select = Select($"h.{columns.Uid} = {arm.uid} AND h.{columns.Identifier} = @identifier", GroupOf(arm.uid));
                    return limit && db.EstimatesEachValue ? $"SELECT * FROM ({select} ORDER BY h.{columns.OtherUid}{end}) AS a{arm.i}" : select;
                }))
                + $" ORDER BY {columns.OtherUid}, {columns.Uid}{end}",
            _ => $"{Select(NamedBy(side, "@key"), null)} ORDER BY h.{columns.OtherUid}, h.{columns.Uid}{end}",
        };
    }

    /// <summary>The number of intervals in force at <paramref name="asOf"/> of every group that had any then, by group uid and identifier. One statement.</summary>
    public async Task<IReadOnlyList<GroupCountAsOfRecord>> CountInForceAsync(string asOf, CancellationToken cancellationToken)
    {
        var sql = $"SELECT h.portfolio_group_uid, h.group_unique_identifier, count(*) AS members FROM {db.MembershipHistory} h "
                  + $"WHERE {InForce("@asOf")} GROUP BY h.portfolio_group_uid, h.group_unique_identifier";
        var rows = await db.RunAsync(
            "portfolio_group.count_portfolios_as_of",
            ErrorContext.Read,
            c => c.QueryAsync<GroupCountAsOfRecord>(sql, new { asOf }),
            cancellationToken).ConfigureAwait(false);
        return rows as IReadOnlyList<GroupCountAsOfRecord> ?? [.. rows];
    }

    /// <summary>
    /// The portfolios the group conditions select at <paramref name="asOf"/>, in uid order, each
    /// with the identifier its latest interval in force then recorded; after the page's cursor and
    /// at most its limit when <paramref name="page"/> is given. One statement, driven from the history's
    /// indexes: each named set is joined (as rows) to the group uid or group identifier index, "in all
    /// of" is a division (a portfolio matched by as many references as were named), "in none of" an
    /// EXCEPT. Without "in all of" or "in any of", the portfolios are every one in a group then.
    /// </summary>
    public IAsyncEnumerable<PortfolioAsOfRecord> StreamPortfoliosAsOfAsync(GroupConditions groups, string asOf, PageQuery? page, CancellationToken cancellationToken)
    {
        var bound = page?.After is null ? "" : " AND h.portfolio_uid > @after";

        // The in-force intervals of the groups a set names, one branch per side (uids, identifiers);
        // with a reference column that tells the references apart for the division.
        string Matches(KeySet keys, string uids, string ids, bool withReference)
        {
            var branches = new List<string>();
            if (keys.Uids is { Count: > 0 })
            {
                var reference = withReference ? $", 'u' || {db.UidText("k.value")} AS reference" : "";
                branches.Add($"SELECT h.portfolio_uid{reference} FROM {db.KeyRows(uids, "k")} JOIN {db.MembershipHistory} h ON h.portfolio_group_uid = k.value WHERE {InForce("@asOf")}{bound}");
            }

            if (keys.UniqueIdentifiers is { Count: > 0 })
            {
                var reference = withReference ? ", 'i' || k.value AS reference" : "";
                branches.Add(
                    $"SELECT h.portfolio_uid{reference} FROM {db.KeyRows(ids, "k")} "
                    + $"JOIN {db.HistoryIdentifiers} i ON i.side = '{SchemaModel.GroupSide}' AND i.unique_identifier = k.value "
                    + $"JOIN {db.MembershipHistory} h ON h.portfolio_group_uid = i.uid AND h.group_unique_identifier = k.value WHERE {InForce("@asOf")}{bound}");
            }

            return branches.Count == 0
                ? $"SELECT h.portfolio_uid{(withReference ? ", h.group_unique_identifier AS reference" : "")} FROM {db.MembershipHistory} h WHERE 1 = 0"
                : string.Join(" UNION ALL ", branches);
        }

        string Distinct(KeySet keys, string uids, string ids) => $"SELECT DISTINCT x.portfolio_uid FROM ({Matches(keys, uids, ids, withReference: false)}) x";

        // The portfolios, as set operations over the named groups' intervals (each read through its
        // index): INTERSECT and EXCEPT are one hashed or sorted pass on both databases, where a
        // per-portfolio NOT EXISTS or a LEFT JOIN anti-join was planned as a loop over the other side
        // by one database or the other (seconds, not milliseconds, at 100,000 intervals).
        string driver;
        if (groups.All.IsGiven)
        {
            driver = $"SELECT x.portfolio_uid FROM ({Matches(groups.All, "@allUids", "@allIds", withReference: true)}) x GROUP BY x.portfolio_uid HAVING count(DISTINCT x.reference) = @allCount";
            if (groups.Any.IsGiven)
            {
                driver += $" INTERSECT {Distinct(groups.Any, "@anyUids", "@anyIds")}";
            }
        }
        else if (groups.Any.IsGiven)
        {
            driver = Distinct(groups.Any, "@anyUids", "@anyIds");
        }
        else
        {
            driver = $"SELECT DISTINCT h.portfolio_uid FROM {db.MembershipHistory} h WHERE {InForce("@asOf")}{bound}";
        }

        if (groups.None.IsGiven)
        {
            driver = $"SELECT e.portfolio_uid FROM ({driver}) e EXCEPT {Distinct(groups.None, "@noneUids", "@noneIds")}";
        }

        // The identifier then: from the latest interval of the portfolio in force at the instant (its portfolio index).
        string Identifier(string portfolioUid) =>
            $"(SELECT i.portfolio_unique_identifier FROM {db.MembershipHistory} i WHERE i.portfolio_uid = {portfolioUid} AND {InForce("@asOf", "i")} ORDER BY i.history_id DESC LIMIT 1)";

        // One group named (in all of, or in any of), none excluded: one flat statement over that group's
        // intervals, grouped by portfolio uid. By uid it walks the (portfolio_group_uid, portfolio_uid)
        // index in the page's order and stops at the page's end; the general form below sorts every
        // portfolio of the group first (a subquery's order is not the outer query's).
        var single = SingleReference(groups);
        string sql;
        if (single is { } one)
        {
            sql = $"SELECT h.portfolio_uid AS uid, {Identifier("h.portfolio_uid")} AS unique_identifier FROM {db.MembershipHistory} h "
                  + $"WHERE {(one.IsUid ? "h.portfolio_group_uid = @one" : NamedBy(HistorySide.Group, "@one"))} AND {InForce("@asOf", group: one.IsUid ? "@one" : null)}{bound} "
                  + "GROUP BY h.portfolio_uid ORDER BY h.portfolio_uid";
        }
        else
        {
            sql = $"SELECT d.portfolio_uid AS uid, {Identifier("d.portfolio_uid")} AS unique_identifier FROM ({driver}) d ORDER BY d.portfolio_uid";
        }

        sql += page is null ? "" : $" LIMIT {db.PageLimit("@limit")}";
        var parameters = new AsOfFilterParameters(
            asOf,
            Selection.Uids(db, groups.All),
            Selection.Ids(db, groups.All),
            Selection.AllCount(groups.All),
            Selection.Uids(db, groups.Any),
            Selection.Ids(db, groups.Any),
            Selection.Uids(db, groups.None),
            Selection.Ids(db, groups.None),
            page is { } p ? Selection.After(db, p) : null,
            page?.Limit ?? 0,
            single?.Value(db));
        return db.StreamAsync("portfolio.filter_as_of", c => c.QueryUnbufferedAsync<PortfolioAsOfRecord>(sql, parameters), cancellationToken);
    }

    /// <summary>The one group a filter names when it names exactly one (in "in all of" or "in any of", the other not given) and excludes none; else null.</summary>
    private static RowKey? SingleReference(GroupConditions groups)
    {
        if (groups.None.IsGiven || groups.All.IsGiven == groups.Any.IsGiven)
        {
            return null;
        }

        var keys = groups.All.IsGiven ? groups.All : groups.Any;
        return (keys.Uids?.Count ?? 0, keys.UniqueIdentifiers?.Count ?? 0) switch
        {
            (1, 0) => new RowKey(keys.Uids!.First(), null),
            (0, 1) => new RowKey(null, keys.UniqueIdentifiers!.First()),
            _ => null,
        };
    }

    /// <summary>
    /// The intervals of the history, in the order they were opened (<c>history_id</c>): of a group
    /// and/or a portfolio when named (by uid, or an identifier they had when the interval opened),
    /// overlapping [<paramref name="from"/>, <paramref name="to"/>) when given; after
    /// <paramref name="after"/> and at most <paramref name="limit"/> rows when given. One statement,
    /// walking the (<c>portfolio_group_uid</c>, <c>history_id</c>) or (<c>portfolio_uid</c>,
    /// <c>history_id</c>) index of the side named. By an identifier (the group's, or the portfolio's
    /// when no group is named), the uids it named are read first, as for the reads in force
    /// (<see cref="HistoryByIdentifierAsync"/>).
    /// </summary>
    public IAsyncEnumerable<IntervalRecord> StreamHistoryAsync(
        RowKey? group, RowKey? portfolio, string? from, string? to, long? after, int? limit, CancellationToken cancellationToken)
    {
        const string operation = "portfolio_group_membership.history";
        // Every parameter travels; the statement names only those it uses. An unused key is an empty text.
        var parameters = new HistoryParameters("", "", group?.Value(db) ?? "", portfolio?.Value(db) ?? "", from ?? "", to ?? "", limit ?? 0, 0, after ?? 0, "");
        HistorySide? byIdentifier = group is { IsUid: false } ? HistorySide.Group : group is null && portfolio is { IsUid: false } ? HistorySide.Portfolio : null;
        if (byIdentifier is { } side)
        {
            return db.StreamAsync(operation, c => HistoryByIdentifierAsync(c, side, group, portfolio, from, to, after is not null, limit is not null, parameters), cancellationToken);
        }

        var sql = HistorySql(group, portfolio, from, to, after is not null, limit is not null);
        return db.StreamAsync(operation, c => c.QueryUnbufferedAsync<IntervalRecord>(sql, parameters), cancellationToken);
    }

    /// <summary>
    /// <see cref="StreamHistoryAsync"/> with the group, or else the portfolio, named by an identifier,
    /// on one connection: the uids the identifier named, then the intervals as by those uids (with
    /// the identifier, which the intervals recorded): one uid as by uid, up to
    /// <see cref="MaxMergedUids"/> as one walk of the uid's index per uid, merged in
    /// <c>history_id</c> order, so a page stops at its end; more by one statement that sorts.
    /// </summary>
    private async IAsyncEnumerable<IntervalRecord> HistoryByIdentifierAsync(
        System.Data.Common.DbConnection connection, HistorySide side, RowKey? group, RowKey? portfolio, string? from, string? to, bool after, bool limit, HistoryParameters parameters)
    {
        var identifier = (string)(side == HistorySide.Group ? parameters.Group : parameters.Portfolio);
        var named = (await connection.QueryAsync<UidRecord>(
            $"{UidsNamed(side, "@identifier")} LIMIT {MaxMergedUids + 1}",
            new { identifier }).ConfigureAwait(false)).Select(r => r.Uid).ToList();
        if (named.Count == 0)
        {
            yield break;
        }

        var sql = named.Count <= MaxMergedUids
            ? HistorySql(group, portfolio, from, to, after, limit, (side, named.Count))
            : HistorySql(group, portfolio, from, to, after, limit);
        var bound = parameters with { Named = named.Count == 1 ? db.Uid(named[0]) : db.UidSet(named), Identifier = identifier };
        await foreach (var row in connection.QueryUnbufferedAsync<IntervalRecord>(sql, bound).ConfigureAwait(false))
        {
            yield return row;
        }
    }

    /// <summary>
    /// The statement of <see cref="StreamHistoryAsync"/>; parameters @group, @portfolio, @from, @to,
    /// @after, @limit as given. With <paramref name="named"/>, that side is named by the uids its
    /// identifier named (@named: one uid, or a set of <c>count</c>) and the identifier (@identifier):
    /// one uid is read as by uid; several are one SELECT per uid in a <c>UNION ALL</c> ordered by
    /// <c>history_id</c>, each arm a page of its own where the planner estimates each value (as
    /// <see cref="InForceSql"/> does).
    /// </summary>
    internal string HistorySql(RowKey? group, RowKey? portfolio, string? from, string? to, bool after, bool limit, (HistorySide Side, int Count)? named = null)
    {
        var end = limit ? $" LIMIT {db.PageLimit("@limit")}" : "";
        string Select(string? uid)
        {
            string? groupCondition = null, portfolioCondition = null;
            var oneGroup = OneGroup(group);
            if (named is { } n && uid is not null)
            {
                var columns = ColumnsOf(n.Side);
                var condition = $"h.{columns.Uid} = {uid} AND h.{columns.Identifier} = @identifier";
                if (n.Side == HistorySide.Group)
                {
                    (groupCondition, oneGroup) = (condition, uid);
                }
                else
                {
                    portfolioCondition = condition;
                }
            }

            var where = HistoryWhere(group, portfolio, from, to, groupCondition, portfolioCondition, oneGroup);
            if (after)
            {
                where.Add("h.history_id > @after");
            }

            return $"SELECT {IntervalColumns(oneGroup)} FROM {db.MembershipHistory} h"
                   + (where.Count == 0 ? "" : " WHERE " + string.Join(" AND ", where));
        }

        return named switch
        {
            null => $"{Select(null)} ORDER BY h.history_id{end}",
            { Count: 1 } => $"{Select("@named")} ORDER BY h.history_id{end}",
            { Count: var count } => string.Join(
                    " UNION ALL ",
                    Enumerable.Range(0, count).Select(i =>
                    {
                        var select = Select(db.SetElement("@named", i));
                        return limit && db.EstimatesEachValue ? $"SELECT * FROM ({select} ORDER BY h.history_id{end}) AS a{i}" : select;
                    }))
                + $" ORDER BY history_id{end}",
        };
    }

    /// <summary>
    /// One offset page of the history (<see cref="StreamHistoryAsync"/>'s selection, in the order the
    /// intervals were opened) and the number of intervals it selects; one statement.
    /// </summary>
    public Task<OffsetPage<IntervalRecord>> HistoryOffsetPageAsync(RowKey? group, RowKey? portfolio, string? from, string? to, OffsetQuery page, CancellationToken cancellationToken)
    {
        var where = HistoryWhere(group, portfolio, from, to);
        var parameters = new HistoryParameters("", "", group?.Value(db) ?? "", portfolio?.Value(db) ?? "", from ?? "", to ?? "", page.Limit, page.Offset);
        return IntervalOffsetPageAsync("portfolio_group_membership.history_page", where.Count == 0 ? "1 = 1" : string.Join(" AND ", where), OneGroup(group), a => $"{a}history_id", parameters, page, cancellationToken);
    }

    /// <summary>
    /// One offset page of the intervals in force at <paramref name="asOf"/> of one group (ordered by
    /// the portfolio's identifier then, ignoring case, then its uid) or one portfolio (by the group's
    /// identifier then, likewise), and their number; one statement.
    /// </summary>
    public Task<OffsetPage<IntervalRecord>> InForceOffsetPageAsync(HistorySide side, RowKey key, string asOf, OffsetQuery page, CancellationToken cancellationToken)
    {
        var columns = ColumnsOf(side);
        var operation = side == HistorySide.Group ? "portfolio_group.portfolios_as_of_page" : "portfolio.groups_as_of_page";
        var group = side == HistorySide.Group && key.IsUid ? "@key" : null;
        var where = $"{(key.IsUid ? $"h.{columns.Uid} = @key" : NamedBy(side, "@key"))} AND {InForce("@asOf", group: group)}";
        var parameters = new HistoryParameters(key.Value(db), asOf, "", "", "", "", page.Limit, page.Offset);
        return IntervalOffsetPageAsync(operation, where, group, a => $"{db.SortText(a + columns.OtherIdentifier)}, {a}{columns.OtherUid}, {a}history_id", parameters, page, cancellationToken);
    }

    private async Task<OffsetPage<IntervalRecord>> IntervalOffsetPageAsync(string operation, string where, string? group, Func<string, string> order, HistoryParameters parameters, OffsetQuery page, CancellationToken cancellationToken)
    {
        var sql = OffsetPageSql.Build(
            $"SELECT {IntervalColumns(group)} FROM {db.MembershipHistory} h WHERE {where}",
            $"SELECT count(*) FROM {db.MembershipHistory} h WHERE {where}",
            a => $"{a}history_id, {a}membership_uid, {a}portfolio_group_uid, {a}group_unique_identifier, {a}portfolio_uid, {a}portfolio_unique_identifier, {a}valid_from, {a}valid_to",
            order,
            parent: null);
        var rows = (await db.RunAsync(
            operation,
            ErrorContext.Read,
            c => c.QueryAsync<CountedIntervalRecord>(sql, parameters),
            cancellationToken).ConfigureAwait(false)).ToList();
        return OffsetPageSql.ToPage(rows, page, r => r.TotalCount, r => r.Row);
    }

    /// <summary>
    /// The conditions of a history listing: a group and/or portfolio (by uid, or an identifier they
    /// had when an interval opened, unless <paramref name="groupCondition"/> or
    /// <paramref name="portfolioCondition"/> says how that side is named), overlapping [from, to);
    /// <paramref name="oneGroup"/>, the one group's uid parameter (see <see cref="EffectiveEnd"/>).
    /// </summary>
    private List<string> HistoryWhere(RowKey? group, RowKey? portfolio, string? from, string? to, string? groupCondition = null, string? portfolioCondition = null, string? oneGroup = null)
    {
        var where = new List<string>();
        if (group is { } g)
        {
            where.Add(groupCondition ?? (g.IsUid ? "h.portfolio_group_uid = @group" : NamedBy(HistorySide.Group, "@group")));
        }

        if (portfolio is { } p)
        {
            where.Add(portfolioCondition ?? (p.IsUid ? "h.portfolio_uid = @portfolio" : NamedBy(HistorySide.Portfolio, "@portfolio")));
        }

        // Overlapping from on: an end after it (valid_to, or the group's deletion), or none.
        if (from is not null)
        {
            where.Add($"(h.valid_to > {db.InstantParameter("@from")} OR (h.valid_to IS NULL AND {NotEndedByDeletion("@from", "h", oneGroup ?? OneGroup(group))}))");
        }

        if (to is not null)
        {
            where.Add($"h.valid_from < {db.InstantParameter("@to")}");
        }

        return where;
    }

    /// <summary>
    /// Deletes the intervals that ended before <paramref name="before"/> (by <c>valid_to</c> or by
    /// their group's deletion), then the group deletions before it (every interval they ended is gone
    /// with the first statement); open intervals are kept. Two set-based statements in one
    /// transaction; returns how many intervals.
    /// </summary>
    public Task<int> PruneHistoryAsync(string before, CancellationToken cancellationToken)
    {
        var cutoff = db.InstantParameter("@before");
        var intervals = $"DELETE FROM {db.MembershipHistory} WHERE (valid_to IS NOT NULL AND valid_to < {cutoff}) "
                        + $"OR (valid_to IS NULL AND EXISTS (SELECT 1 FROM {db.GroupDeletions} d WHERE d.portfolio_group_uid = {db.MembershipHistory}.portfolio_group_uid "
                        + $"AND d.last_history_id >= {db.MembershipHistory}.history_id AND d.deleted_at < {cutoff}))";
        var deletions = $"DELETE FROM {db.GroupDeletions} WHERE deleted_at < {cutoff}";
        return db.InTransactionAsync(
            async tx =>
            {
                var removed = await tx.RunAsync(
                    "portfolio_group_membership.prune_history",
                    ErrorContext.Read,
                    c => c.ExecuteAsync(intervals, new { before }, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);
                await tx.RunAsync(
                    "portfolio_group_membership.prune_group_deletions",
                    ErrorContext.Read,
                    c => c.ExecuteAsync(deletions, new { before }, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return removed;
            },
            cancellationToken,
            rerunnable: true);
    }

    /// <summary>
    /// True for an interval (aliased <c>h</c>) of a group or portfolio named by an identifier it had
    /// when the interval opened (<paramref name="value"/>, a parameter): its uid is one that identifier
    /// named (the history's identifiers table, migration 2026120207), so the interval is found through
    /// the history's uid indexes, and the identifier the interval recorded is that one.
    /// </summary>
    private string NamedBy(HistorySide side, string value)
    {
        var columns = ColumnsOf(side);
        return $"h.{columns.Uid} IN ({UidsNamed(side, value)}) AND h.{columns.Identifier} = {value}";
    }

    /// <summary>The uids an identifier (<paramref name="value"/>, a parameter) named on one side, from the history's identifiers table.</summary>
    private string UidsNamed(HistorySide side, string value) =>
        $"SELECT i.uid FROM {db.HistoryIdentifiers} i WHERE i.side = '{ColumnsOf(side).Side}' AND i.unique_identifier = {value}";

    /// <summary>The group's uid parameter of a listing of one group named by uid; null otherwise (see <see cref="EffectiveEnd"/>).</summary>
    private static string? OneGroup(RowKey? group) => group is { IsUid: true } ? "@group" : null;

    // The one rule of a group's deletion (migration 2026120206): an interval h is ended by a
    // deletion d when d.portfolio_group_uid = h.portfolio_group_uid AND d.last_history_id >= h.history_id
    // (h existed when its group went); its end is valid_to when set (removed while the group
    // existed), else the earliest such deletion's deleted_at. The forms below all say that.

    /// <summary>
    /// True for an interval (aliased <paramref name="alias"/>) in force at the instant parameter:
    /// opened at or before it, not closed by then, and not ended by its group's deletion by then.
    /// <paramref name="group"/>: the uid parameter when every interval read is of that one group.
    /// </summary>
    private string InForce(string parameter, string alias = "h", string? group = null) =>
        $"{alias}.valid_from <= {db.InstantParameter(parameter)} AND ({alias}.valid_to IS NULL OR {alias}.valid_to > {db.InstantParameter(parameter)}) "
        + $"AND {NotEndedByDeletion(parameter, alias, group)}";

    /// <summary>
    /// True for an interval (aliased <paramref name="alias"/>) that no deletion of its group at or before the
    /// instant parameter ended. For one group (<paramref name="group"/>, a uid parameter) a scalar:
    /// the intervals above the largest <c>last_history_id</c> of its deletions by then, read once, so
    /// a read of a large group pays a comparison per row; else a lookup per row in the deletions'
    /// (<c>portfolio_group_uid</c>, <c>last_history_id</c>) index. The scalar's <c>+ 0</c> keeps it a
    /// filter: as a range of <c>history_id</c> it made SQLite's planner (no statistics) walk
    /// (<c>portfolio_group_uid</c>, <c>history_id</c>) and sort the group, not the
    /// (<c>portfolio_group_uid</c>, <c>portfolio_uid</c>) index in the order the reads and pages return.
    /// </summary>
    private string NotEndedByDeletion(string parameter, string alias, string? group) => group is null
        ? $"NOT EXISTS (SELECT 1 FROM {db.GroupDeletions} d WHERE d.portfolio_group_uid = {alias}.portfolio_group_uid "
          + $"AND d.last_history_id >= {alias}.history_id AND d.deleted_at <= {db.InstantParameter(parameter)})"
        : $"{alias}.history_id + 0 > COALESCE((SELECT max(d.last_history_id) FROM {db.GroupDeletions} d "
          + $"WHERE d.portfolio_group_uid = {group} AND d.deleted_at <= {db.InstantParameter(parameter)}), 0)";

    /// <summary>
    /// When an interval (aliased <paramref name="alias"/>) ended: <c>valid_to</c>, or else the earliest
    /// deletion of its group that ended it; null while open. For one group (<paramref name="group"/>,
    /// a uid parameter) the deletion is looked up only for the intervals at or below the largest
    /// <c>last_history_id</c> of the group's deletions (read once), so open intervals of a group never
    /// deleted cost a comparison.
    /// </summary>
    private string EffectiveEnd(string alias, string? group)
    {
        var deletion = $"(SELECT min(d.deleted_at) FROM {db.GroupDeletions} d WHERE d.portfolio_group_uid = {alias}.portfolio_group_uid AND d.last_history_id >= {alias}.history_id)";
        return group is null
            ? $"COALESCE({alias}.valid_to, {deletion})"
            : $"CASE WHEN {alias}.valid_to IS NULL AND {alias}.history_id <= (SELECT max(d.last_history_id) FROM {db.GroupDeletions} d WHERE d.portfolio_group_uid = {group}) "
              + $"THEN {deletion} ELSE {alias}.valid_to END";
    }
}
