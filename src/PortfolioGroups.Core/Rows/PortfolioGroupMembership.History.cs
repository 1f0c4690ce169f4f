namespace PortfolioGroups;

/// <summary>The membership history the database keeps (see docs/history.md): its change log, and retention.</summary>
public sealed partial class PortfolioGroupMembership
{
    /// <summary>Lists the intervals of the membership history a filter selects, in the order they were opened.</summary>
    /// <remarks>Nothing is cut: one statement reads every interval (as <see cref="StreamHistoryAsync"/> does). For one page at a time use <see cref="GetHistoryPageAsync"/>.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group and/or portfolio and the time range; null lists the whole history.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The intervals, in the order they were opened.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static Task<IReadOnlyList<MembershipInterval>> GetHistoryAsync(PortfolioStore store, MembershipHistoryFilter? filter = null, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamHistoryAsync(store, filter, cancellationToken), cancellationToken);

    /// <summary>Lists the intervals of the membership history a filter selects, in the order they were opened, as the rows arrive.</summary>
    /// <remarks>One unbuffered statement; the connection is held only while the caller enumerates. The filter is checked when the method is called.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group and/or portfolio and the time range; null lists the whole history.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The intervals, in the order they were opened.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static IAsyncEnumerable<MembershipInterval> StreamHistoryAsync(PortfolioStore store, MembershipHistoryFilter? filter = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.StreamHistoryAsync(filter, cancellationToken);

    /// <summary>Reads one page of the intervals of the membership history a filter selects, in the order they were opened.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group and/or portfolio and the time range; null lists the whole history.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page.</returns>
    /// <exception cref="InvalidValueException">The filter or the page request is invalid, or the cursor belongs to another listing.</exception>
    public static Task<Page<MembershipInterval>> GetHistoryPageAsync(PortfolioStore store, MembershipHistoryFilter? filter, PageRequest page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.HistoryPageAsync(filter, page, cancellationToken);

    /// <summary>Reads one page, by position, of the intervals a history filter selects, in the order they were opened, and their number, in one statement.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">The group and/or portfolio and the time range; null lists the whole history.</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page, and the number of intervals the filter selects.</returns>
    /// <exception cref="InvalidValueException">The filter or the page is invalid; the field is named.</exception>
    public static Task<OffsetPage<MembershipInterval>> GetHistoryOffsetPageAsync(PortfolioStore store, MembershipHistoryFilter? filter, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.HistoryOffsetPageAsync(filter, page, cancellationToken);

    /// <summary>Removes the intervals of the membership history that ended before an instant.</summary>
    /// <remarks>
    /// Intervals still open (current memberships) are never removed, so reads as of any instant at or
    /// after <paramref name="before"/> are unchanged. Two statements in one transaction: the intervals
    /// that ended (by their end or by their group's deletion), then the group deletions before the cutoff.
    /// Nothing prunes by itself.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="before">The cutoff: intervals whose end is earlier are removed.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of intervals removed.</returns>
    public static Task<int> PruneHistoryAsync(PortfolioStore store, DateTimeOffset before, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.PruneHistoryAsync(before, cancellationToken);
}
