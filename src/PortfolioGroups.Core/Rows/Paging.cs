using System.Collections;
using System.Text.Json.Serialization;

namespace PortfolioGroups;

/// <summary>
/// Which page of a listing to read: a size and a keyset cursor. Start with <see cref="First"/>
/// (or pass null), then continue with <see cref="Page{T}.Next"/> until it is null.
/// </summary>
/// <remarks>
/// Listings are ordered by uid (time-ordered for uids the library makes). The cursor is the last
/// uid of the previous page, so rows inserted or deleted between pages neither repeat nor shift
/// the rest: every row present throughout is reached exactly once.
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
/// In System.Text.Json a page is an object, <c>{"Items": [...], "NextCursor": ...}</c>, not the
/// bare array its list interface would make it.
/// </remarks>
/// <typeparam name="T">The row type.</typeparam>
[JsonConverter(typeof(PageJsonConverterFactory))]
public sealed class Page<T> : IReadOnlyList<T>
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

    /// <inheritdoc />
    public int Count => Items.Count;

    /// <inheritdoc />
    public T this[int index] => Items[index];

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => Items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The same page with each row mapped (the cursor is unchanged).</summary>
    internal Page<TOut> Map<TOut>(Func<T, TOut> map) => new([.. Items.Select(map)], Size, NextCursor);
}
