namespace PortfolioGroups;

/// <summary>
/// Reads as of an instant, from the membership history the database keeps (see docs/history.md):
/// what a group held, or which groups a portfolio was in, at a given time.
/// </summary>
public sealed partial class PortfolioGroup
{
    /// <summary>Reads the portfolios that were in a group at an instant, in portfolio uid order.</summary>
    /// <remarks>
    /// One statement reads every row (as <see cref="StreamPortfoliosAsync(PortfolioStore, PortfolioGroupRef, DateTimeOffset, CancellationToken)"/> does).
    /// Each interval in force at <paramref name="asOf"/> is returned, with the uid and unique
    /// identifier the portfolio had then, also for a portfolio deleted since. On SQLite the instant
    /// is cut to its millisecond and sees every change of that millisecond.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by uid, or by a unique identifier it had then (also after it was deleted or renamed).</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The intervals in force at <paramref name="asOf"/>; empty when the group had no members then, or no group had that identifier.</returns>
    /// <exception cref="InvalidValueException">The reference is invalid; the field is named.</exception>
    public static Task<IReadOnlyList<MembershipInterval>> GetPortfoliosAsync(PortfolioStore store, PortfolioGroupRef group, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamPortfoliosAsync(store, group, asOf, cancellationToken), cancellationToken);

    /// <summary>Reads the portfolios that were in a group at an instant, in portfolio uid order, as the rows arrive.</summary>
    /// <remarks>One unbuffered statement; the connection is held only while the caller enumerates. The reference is checked when the method is called.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by uid, or by a unique identifier it had then.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The intervals in force at <paramref name="asOf"/>.</returns>
    /// <exception cref="InvalidValueException">The reference is invalid; the field is named.</exception>
    public static IAsyncEnumerable<MembershipInterval> StreamPortfoliosAsync(PortfolioStore store, PortfolioGroupRef group, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.StreamPortfoliosOfGroupAsOfAsync(group, asOf, cancellationToken);

    /// <summary>Reads one page of the portfolios that were in a group at an instant, in portfolio uid order.</summary>
    /// <remarks>
    /// The rows of <see cref="StreamPortfoliosAsync(PortfolioStore, PortfolioGroupRef, DateTimeOffset, CancellationToken)"/>, a page at a
    /// time: named by uid, one statement reads the page's intervals and stops. A unique identifier
    /// may have been recorded for more than one group in force then (a group renamed, and another
    /// given its old identifier); then one portfolio can have an interval in each, and a page never
    /// splits them: it ends before that portfolio, or, when its intervals alone fill the page, holds
    /// all of them (more rows than <see cref="PageRequest.Size"/>).
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by uid, or by a unique identifier it had then (also after it was deleted or renamed).</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page of the intervals in force at <paramref name="asOf"/>; an empty page when the group had no members then.</returns>
    /// <exception cref="InvalidValueException">The reference or the page request is invalid, or the cursor belongs to another listing; the field is named.</exception>
    public static Task<Page<MembershipInterval>> GetPortfoliosPageAsync(PortfolioStore store, PortfolioGroupRef group, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.PortfoliosOfGroupAsOfPageAsync(group, asOf, page, cancellationToken);

    /// <summary>Reads the groups a portfolio was in at an instant, in group uid order.</summary>
    /// <remarks>One statement reads every row. The uid and unique identifier of each group are the ones it had then, also for a group deleted since.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio, by uid, or by a unique identifier it had then (also after it was deleted or renamed).</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The intervals in force at <paramref name="asOf"/>; empty when the portfolio was in no group then.</returns>
    /// <exception cref="InvalidValueException">The reference is invalid; the field is named.</exception>
    public static Task<IReadOnlyList<MembershipInterval>> GetGroupsForPortfolioAsync(PortfolioStore store, PortfolioRef portfolio, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamGroupsForPortfolioAsync(store, portfolio, asOf, cancellationToken), cancellationToken);

    /// <summary>Reads the groups a portfolio was in at an instant, in group uid order, as the rows arrive.</summary>
    /// <remarks>One unbuffered statement; the connection is held only while the caller enumerates. The reference is checked when the method is called.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio, by uid, or by a unique identifier it had then.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The intervals in force at <paramref name="asOf"/>.</returns>
    /// <exception cref="InvalidValueException">The reference is invalid; the field is named.</exception>
    public static IAsyncEnumerable<MembershipInterval> StreamGroupsForPortfolioAsync(PortfolioStore store, PortfolioRef portfolio, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.StreamGroupsOfPortfolioAsOfAsync(portfolio, asOf, cancellationToken);

    /// <summary>Reads one page of the groups a portfolio was in at an instant, in group uid order.</summary>
    /// <remarks>
    /// The rows of <see cref="StreamGroupsForPortfolioAsync(PortfolioStore, PortfolioRef, DateTimeOffset, CancellationToken)"/>, a page at a
    /// time. A portfolio named by a unique identifier that was recorded for more than one portfolio
    /// in force then can have several intervals in one group; a page never splits them, as
    /// <see cref="GetPortfoliosPageAsync(PortfolioStore, PortfolioGroupRef, DateTimeOffset, PageRequest, CancellationToken)"/> describes.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio, by uid, or by a unique identifier it had then (also after it was deleted or renamed).</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page of the intervals in force at <paramref name="asOf"/>; an empty page when the portfolio was in no group then.</returns>
    /// <exception cref="InvalidValueException">The reference or the page request is invalid, or the cursor belongs to another listing; the field is named.</exception>
    public static Task<Page<MembershipInterval>> GetGroupsForPortfolioPageAsync(PortfolioStore store, PortfolioRef portfolio, DateTimeOffset asOf, PageRequest page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.GroupsOfPortfolioAsOfPageAsync(portfolio, asOf, page, cancellationToken);

    /// <summary>Counts the portfolios each group had at an instant, in one query.</summary>
    /// <param name="store">The store.</param>
    /// <param name="groups">
    /// The groups (by uid, or by a unique identifier they had then); null counts every group that
    /// had members then, an empty collection none.
    /// </param>
    /// <param name="asOf">The instant.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The number of portfolios of each group at <paramref name="asOf"/>, keyed by group uid. A group
    /// named by uid is always a key (0 when it had no members then); one named by identifier is a key
    /// when a group had members under that identifier then.
    /// </returns>
    /// <exception cref="InvalidValueException">A reference is invalid; the field is named.</exception>
    public static Task<IReadOnlyDictionary<Guid, long>> CountPortfoliosAsync(PortfolioStore store, IEnumerable<PortfolioGroupRef>? groups, DateTimeOffset asOf, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.CountPortfoliosAsOfAsync(groups, asOf, cancellationToken);

    /// <summary>Reads one page, by position, of the portfolios that were in a group at an instant, and their number, in one statement.</summary>
    /// <remarks>
    /// Ordered by the portfolio's unique identifier then (ignoring case, by code point), then its uid.
    /// A group that had no members then, or never existed, gives an empty page (never a
    /// <see cref="RowNotFoundException"/>: a group deleted since is still read).
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by uid, or by a unique identifier it had then.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page of the intervals in force at <paramref name="asOf"/>, and their number.</returns>
    /// <exception cref="InvalidValueException">The reference or the page is invalid; the field is named.</exception>
    public static Task<OffsetPage<MembershipInterval>> GetPortfoliosOffsetPageAsync(PortfolioStore store, PortfolioGroupRef group, DateTimeOffset asOf, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.PortfoliosOfGroupAsOfPageAsync(group, asOf, page, cancellationToken);

    /// <summary>Reads one page, by position, of the groups a portfolio was in at an instant, and their number, in one statement.</summary>
    /// <remarks>
    /// Ordered by the group's unique identifier then (ignoring case, by code point), then its uid:
    /// the history keeps identifiers, not display names. A portfolio in no group then gives an empty page.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio, by uid, or by a unique identifier it had then.</param>
    /// <param name="asOf">The instant.</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page of the intervals in force at <paramref name="asOf"/>, and their number.</returns>
    /// <exception cref="InvalidValueException">The reference or the page is invalid; the field is named.</exception>
    public static Task<OffsetPage<MembershipInterval>> GetGroupsForPortfolioOffsetPageAsync(PortfolioStore store, PortfolioRef portfolio, DateTimeOffset asOf, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.GroupsOfPortfolioAsOfPageAsync(portfolio, asOf, page, cancellationToken);
}
