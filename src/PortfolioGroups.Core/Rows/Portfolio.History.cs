namespace PortfolioGroups;

/// <summary>
/// Set filters as of an instant, from the membership history the database keeps (see
/// docs/history.md): which portfolios were in all, any or none of some groups at a given time.
/// </summary>
public sealed partial class Portfolio
{
    /// <summary>Reads the portfolios a filter's group conditions selected at an instant, in uid order.</summary>
    /// <remarks>
    /// <para>
    /// The history records memberships, so as of an instant the portfolios are those that were in at
    /// least one group then: <see cref="PortfolioFilter.NotInGroups"/> alone selects the portfolios
    /// that were in some group, but in none of those named. A portfolio deleted since is returned
    /// with its uid and the unique identifier it had (<see cref="PortfolioAsOf"/>).
    /// </para>
    /// <para>
    /// A group is named by uid, or by a unique identifier it had then (also after it was deleted or
    /// renamed). Empty collections follow the same set logic as <see cref="FilterAsync(PortfolioStore, PortfolioFilter?, CancellationToken)"/>.
    /// <see cref="PortfolioFilter.Uids"/>, <see cref="PortfolioFilter.UniqueIdentifiers"/> and
    /// <see cref="PortfolioFilter.Search"/> select by what a portfolio is now, which the history does
    /// not keep: they are refused. One statement reads every row (as <see cref="StreamAsync(PortfolioStore, PortfolioFilter?, DateTimeOffset, CancellationToken)"/> does).
    /// On SQLite the instant is cut to its millisecond and sees every change of that millisecond.
    /// </para>
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group conditions; null selects every portfolio that was in a group then.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The portfolios, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid, or sets a field an as-of read does not take; the field is named.</exception>
    public static Task<IReadOnlyList<PortfolioAsOf>> FilterAsync(PortfolioStore store, PortfolioFilter? filter, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamAsync(store, filter, asOf, cancellationToken), cancellationToken);

    /// <summary>Reads the portfolios a filter's group conditions selected at an instant, in uid order, as the rows arrive.</summary>
    /// <remarks>One unbuffered statement; the connection is held only while the caller enumerates. The filter is checked when the method is called.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group conditions, as for <see cref="FilterAsync(PortfolioStore, PortfolioFilter?, DateTimeOffset, CancellationToken)"/>.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The portfolios, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid, or sets a field an as-of read does not take; the field is named.</exception>
    public static IAsyncEnumerable<PortfolioAsOf> StreamAsync(PortfolioStore store, PortfolioFilter? filter, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.StreamPortfoliosAsOfAsync(filter, asOf, cancellationToken);

    /// <summary>Reads one page of the portfolios a filter's group conditions selected at an instant, in uid order.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group conditions, as for <see cref="FilterAsync(PortfolioStore, PortfolioFilter?, DateTimeOffset, CancellationToken)"/>.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page.</returns>
    /// <exception cref="InvalidValueException">The filter or the page request is invalid, or the cursor belongs to another listing.</exception>
    public static Task<Page<PortfolioAsOf>> FilterPageAsync(PortfolioStore store, PortfolioFilter? filter, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.PortfoliosAsOfPageAsync(filter, asOf, page, cancellationToken);
}
