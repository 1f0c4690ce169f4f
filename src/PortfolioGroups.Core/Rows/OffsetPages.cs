namespace PortfolioGroups;

/// <summary>Offset pages of group listings, with their total count.</summary>
public sealed partial class PortfolioGroup
{
    /// <summary>Reads one page, by position, of the groups a filter selects, and their number, in one statement.</summary>
    /// <remarks>
    /// Ordered by display name, then unique identifier (each ignoring case, compared by code point),
    /// then uid. <see cref="PortfolioGroupFilter.Search"/> is trimmed (blank means no search) and
    /// also matches the uid's text.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every group.</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page and the listing's total.</returns>
    /// <exception cref="InvalidValueException">The filter or the page is invalid; the field is named.</exception>
    public static async Task<OffsetPage<PortfolioGroup>> FilterOffsetPageAsync(PortfolioStore store, PortfolioGroupFilter? filter, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        (await PortfolioStore.Usable(store).Groups.FilterPageAsync(filter, page, cancellationToken).ConfigureAwait(false)).Map(r => new PortfolioGroup(store, r));

    /// <summary>Reads one page, by position, of a group's portfolios, and their number, in one statement.</summary>
    /// <remarks>Ordered by unique identifier (ignoring case, by code point), then uid.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group (by row, uid or unique identifier).</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page and the group's number of portfolios.</returns>
    /// <exception cref="RowNotFoundException">The group does not exist.</exception>
    /// <exception cref="InvalidValueException">The reference or the page is invalid; the field is named.</exception>
    public static async Task<OffsetPage<Portfolio>> GetPortfoliosOffsetPageAsync(PortfolioStore store, PortfolioGroupRef group, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        (await PortfolioStore.Usable(store).Memberships.PortfoliosOfGroupPageAsync(group, page, cancellationToken).ConfigureAwait(false)).Map(r => new Portfolio(store, r));

    /// <summary>Reads one page, by position, of a portfolio's groups, and their number, in one statement.</summary>
    /// <remarks>Ordered by display name (ignoring case, by code point), then uid.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio (by row, uid or unique identifier).</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page and the portfolio's number of groups.</returns>
    /// <exception cref="RowNotFoundException">The portfolio does not exist.</exception>
    /// <exception cref="InvalidValueException">The reference or the page is invalid; the field is named.</exception>
    public static async Task<OffsetPage<PortfolioGroup>> GetGroupsForPortfolioOffsetPageAsync(PortfolioStore store, PortfolioRef portfolio, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        (await PortfolioStore.Usable(store).Memberships.GroupsOfPortfolioPageAsync(portfolio, page, cancellationToken).ConfigureAwait(false)).Map(r => new PortfolioGroup(store, r));
}

/// <summary>Offset pages of portfolio listings, with their total count.</summary>
public sealed partial class Portfolio
{
    /// <summary>Reads one page, by position, of the portfolios a filter selects, and their number, in one statement.</summary>
    /// <remarks>
    /// Ordered by unique identifier (ignoring case, by code point), then uid.
    /// <see cref="PortfolioFilter.Search"/> is trimmed (blank means no search) and also matches the uid's text.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every portfolio.</param>
    /// <param name="page">Which page; null is the first 50.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page and the listing's total.</returns>
    /// <exception cref="InvalidValueException">The filter or the page is invalid; the field is named.</exception>
    public static async Task<OffsetPage<Portfolio>> FilterOffsetPageAsync(PortfolioStore store, PortfolioFilter? filter, OffsetPageRequest? page, CancellationToken cancellationToken = default) =>
        (await PortfolioStore.Usable(store).Portfolios.FilterPageAsync(filter, page, cancellationToken).ConfigureAwait(false)).Map(r => new Portfolio(store, r));
}

/// <summary>The union bulk delete of memberships.</summary>
public sealed partial class PortfolioGroupMembership
{
    /// <summary>
    /// Deletes the memberships named by uid together with every membership in a scope, in one
    /// statement and one transaction: the union, each membership once.
    /// </summary>
    /// <remarks>
    /// The scope follows the scoped delete's rules (a side left null is not restricted; both sides
    /// given must both match), except that a scope naming neither side, or a null scope, adds
    /// nothing: only the uids are deleted. Empty collections name nothing, never "everything".
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uids">Memberships by uid; may be empty.</param>
    /// <param name="scope">Groups and/or portfolios whose memberships to delete too; may be null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number deleted; unknown uids and references are ignored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uids"/> is null.</exception>
    /// <exception cref="InvalidValueException">A reference is invalid; the field is named.</exception>
    public static Task<int> BulkDeleteAsync(PortfolioStore store, IEnumerable<Guid> uids, PortfolioGroupMembershipScope? scope, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.BulkDeleteAsync(uids, scope, cancellationToken);
}
