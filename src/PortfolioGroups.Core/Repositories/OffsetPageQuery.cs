using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A validated offset page request. Made by the services' guard.</summary>
internal readonly record struct OffsetQuery(int Offset, int Limit);

/// <summary>A group row of an offset page, with the listing's total and whether its parent row exists; the row's columns are null on an empty page.</summary>
internal sealed record CountedGroupRecord(long TotalCount, long ParentCount, Guid? Uid, string? UniqueIdentifier, string? DisplayName, string? Description, string? MetadataJson)
{
    public PortfolioGroupRecord? Row => Uid is { } uid ? new PortfolioGroupRecord(uid, UniqueIdentifier!, DisplayName!, Description, MetadataJson) : null;
}

/// <summary>A portfolio row of an offset page, with the listing's total and whether its parent row exists; the row's columns are null on an empty page.</summary>
internal sealed record CountedPortfolioRecord(long TotalCount, long ParentCount, Guid? Uid, string? UniqueIdentifier, string? DisplayName)
{
    public PortfolioRecord? Row => Uid is { } uid ? new PortfolioRecord(uid, UniqueIdentifier!, DisplayName) : null;
}

/// <summary>
/// The one statement behind every offset page: the listing's count, whether the parent row (a
/// listing's group or portfolio) exists, and the page's rows, read together from one snapshot.
/// </summary>
/// <remarks>
/// The count and the page are two subqueries of one SELECT: the count reads only what it needs
/// (an index of the membership table, for a group's members), and an empty page (an offset past the
/// end) still answers the total, as one row whose row columns are null. A window count
/// (<c>count(*) OVER ()</c>) would lose the total on an empty page.
/// </remarks>
internal static class OffsetPageSql
{
    /// <summary>
    /// The statement. <paramref name="rows"/> selects the listing's rows (no order) with
    /// <paramref name="columns"/>; <paramref name="count"/> counts them; <paramref name="order"/>
    /// gives the ordering for a table alias; <paramref name="parent"/> counts the parent row (null: no parent).
    /// Parameters: @limit, @offset and those of the pieces.
    /// </summary>
    public static string Build(string rows, string count, Func<string, string> columns, Func<string, string> order, string? parent) =>
        $"SELECT c.total_count, c.parent_count, {columns("r.")} FROM (SELECT ({count}) AS total_count, {parent ?? "1"} AS parent_count) AS c "
        + $"LEFT JOIN (SELECT {columns("s.")} FROM ({rows}) AS s ORDER BY {order("s.")} LIMIT @limit OFFSET @offset) AS r ON 1 = 1 "
        + $"ORDER BY {order("r.")}";

    /// <summary>True when a group or portfolio row contains the search text in its unique identifier, its display name or its uid (ignoring case, literally). Parameter: @search.</summary>
    public static string Searched(Database db, string alias) =>
        $"({db.Contains(alias + "unique_identifier", "@search")} OR {db.Contains(alias + "display_name", "@search")} OR {db.Contains(db.UidText(alias + "uid"), "@search")})";

    public static OffsetPage<T> ToPage<TRecord, T>(IEnumerable<TRecord> fetched, OffsetQuery page, Func<TRecord, long> total, Func<TRecord, T?> row)
        where T : class
    {
        var list = fetched as IReadOnlyList<TRecord> ?? [.. fetched];
        var items = list.Select(row).OfType<T>().ToList();
        return new OffsetPage<T>(items, page.Offset, page.Limit, list.Count == 0 ? 0 : total(list[0]));
    }
}
