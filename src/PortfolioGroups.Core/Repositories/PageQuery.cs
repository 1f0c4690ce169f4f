namespace PortfolioGroups.Repositories;

/// <summary>
/// A validated page request: the page size, the keyset cursor (the last uid of the previous page)
/// and the listing it pages, whose cursor the next page gets. Made by the services' guard.
/// </summary>
internal readonly record struct PageQuery(int Size, Guid? After, Listing Listing)
{
    /// <summary>How many rows a page statement fetches: one more than the page, to know whether more follow.</summary>
    public int Limit => Size + 1;

    /// <summary>The page of the rows a page statement fetched.</summary>
    public Page<T> ToPage<T>(IEnumerable<T> fetched, Func<T, Guid> orderKey)
    {
        var rows = fetched as List<T> ?? [.. fetched];
        if (rows.Count <= Size)
        {
            return new Page<T>(rows, Size, null);
        }

        rows.RemoveAt(rows.Count - 1);
        return PageOf(rows, orderKey(rows[^1]));
    }

    /// <summary>A page of <paramref name="rows"/> (already cut), continued after <paramref name="last"/> when more follow; null: the listing's last page.</summary>
    public Page<T> PageOf<T>(IReadOnlyList<T> rows, Guid? last) =>
        new(rows, Size, last is { } position ? Cursor.Encode(Listing, position) : null);
}
