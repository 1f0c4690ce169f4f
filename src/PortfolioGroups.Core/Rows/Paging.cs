using System.Text.Json.Serialization;

namespace PortfolioGroups;

/// <summary>
/// Which page of a listing to read: a size and a keyset cursor. Start with <see cref="First"/>,
/// then continue with <see cref="Page{T}.Next"/> until it is null. Only the paged calls
/// (<c>FilterPageAsync</c>, <c>GetPortfoliosPageAsync</c>, ...) take one; the same calls without
/// <c>Page</c> in their name return every row.
/// </summary>
/// <remarks>
/// Listings are ordered by uid (time-ordered for uids the library makes). The cursor continues
/// after the last row of the previous page, so rows inserted or deleted between pages neither
/// repeat nor shift the rest: every row present throughout is reached exactly once. A cursor is
/// opaque: it names the listing it continues (the call, with its filter, group or portfolio) and
/// carries a check value, so a cursor given to another listing, or altered, is refused with an
/// <see cref="InvalidValueException"/> for <c>page.After</c>.
/// </remarks>
public sealed record PageRequest
{
    /// <summary>The default page size, 500.</summary>
    public const int DefaultSize = 500;

    /// <summary>The largest page size, 10,000.</summary>
    public const int MaxSize = 10_000;

    /// <summary>How many rows a page holds at most: 1 to <see cref="MaxSize"/>, default <see cref="DefaultSize"/>.</summary>
    public int Size { get; init; } = DefaultSize;

    /// <summary>The cursor from <see cref="Page{T}.NextCursor"/>; null for the first page.</summary>
    public string? After { get; init; }

    /// <summary>The first page, of the given size.</summary>
    public static PageRequest First(int size = DefaultSize) => new() { Size = size };
}

/// <summary>One page of a listing, with the cursor to the next one.</summary>
/// <remarks>
/// A page is not a collection: its rows are in <see cref="Items"/>, so a call site that reads a
/// page says so (<c>page.Items</c>), and is never mistaken for one that reads every row. In
/// System.Text.Json a page is an object, <c>{"Items": [...], "NextCursor": ...}</c>.
/// </remarks>
/// <typeparam name="T">The row type.</typeparam>
[JsonConverter(typeof(PageJsonConverterFactory))]
public sealed class Page<T>
{
    internal Page(IReadOnlyList<T> items, int size, string? nextCursor)
    {
        Items = items;
        Size = size;
        NextCursor = nextCursor;
    }

    /// <summary>The rows of this page, in listing order.</summary>
    public IReadOnlyList<T> Items { get; }

    /// <summary>The page size that was asked for.</summary>
    public int Size { get; }

    /// <summary>The cursor to pass as <see cref="PageRequest.After"/> for the next page; null when this is the last page.</summary>
    public string? NextCursor { get; }

    /// <summary>Whether more rows follow this page.</summary>
    public bool HasMore => NextCursor is not null;

    /// <summary>The request for the next page, or null when this is the last page.</summary>
    public PageRequest? Next => NextCursor is null ? null : new PageRequest { Size = Size, After = NextCursor };

    /// <summary>The same page with each row mapped (the cursor is unchanged).</summary>
    internal Page<TOut> Map<TOut>(Func<T, TOut> map)
    {
        // Sized once, no enumerator: a page holds up to 10,000 rows.
        var items = new List<TOut>(Items.Count);
        for (var i = 0; i < Items.Count; i++)
        {
            items.Add(map(Items[i]));
        }

        return new(items, Size, NextCursor);
    }
}
