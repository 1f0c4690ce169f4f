namespace PortfolioGroups;

/// <summary>
/// Which page of a listing to read by position: skip <see cref="Offset"/> rows, return at most
/// <see cref="Limit"/>. Its answer, an <see cref="OffsetPage{T}"/>, carries the listing's total.
/// </summary>
/// <remarks>
/// Offset pages serve clients that jump to a page by number (a table with a page control). Each
/// page is read afresh, so a row inserted or deleted between two reads shifts the pages after it;
/// reading everything once, in any size, is what the keyset pages (<see cref="PageRequest"/>) and
/// the streams are for.
/// </remarks>
public sealed record OffsetPageRequest
{
    /// <summary>The largest page, 10,000 rows.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>How many rows to skip, 0 or more; default 0.</summary>
    public int Offset { get; init; }

    /// <summary>How many rows the page holds at most, 1 to <see cref="MaxLimit"/>; default 50.</summary>
    public int Limit { get; init; } = 50;
}

/// <summary>One page of a listing by position, with the number of rows in the whole listing.</summary>
/// <typeparam name="T">The row type.</typeparam>
public sealed class OffsetPage<T>
{
    internal OffsetPage(IReadOnlyList<T> items, int offset, int limit, long totalCount)
    {
        Items = items;
        Offset = offset;
        Limit = limit;
        TotalCount = totalCount;
    }

    /// <summary>The rows of this page, in listing order.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>The number of rows skipped before this page.</summary>
    public int Offset { get; }

    /// <summary>The page size that was asked for.</summary>
    public int Limit { get; }

    /// <summary>The number of rows in the whole listing, counted by the statement that read the page.</summary>
    public long TotalCount { get; }

    /// <summary>Whether rows follow this page.</summary>
    public bool HasNextPage => Offset + Items.Count < TotalCount;

    /// <summary>Whether rows precede this page.</summary>
    public bool HasPreviousPage => Offset > 0;

    internal OffsetPage<TOut> Map<TOut>(Func<T, TOut> map) => new([.. Items.Select(map)], Offset, Limit, TotalCount);
}
