using System.Runtime.CompilerServices;
using PortfolioGroups.Repositories;

namespace PortfolioGroups;

/// <summary>Set queries and streaming reads of groups: member counts, the groups of many portfolios, streamed listings.</summary>
public sealed partial class PortfolioGroup
{
    /// <summary>Counts the portfolios in each group, in one query.</summary>
    /// <param name="store">The store.</param>
    /// <param name="groups">The groups to count (by row, uid or unique identifier); null counts every group, an empty collection none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of portfolios of each group, keyed by group uid; a group without members counts 0.</returns>
    /// <exception cref="RowNotFoundException">A named group does not exist; the message lists the first few unknown references and their number.</exception>
    /// <exception cref="InvalidValueException">A reference is invalid; the field is named.</exception>
    public static Task<IReadOnlyDictionary<Guid, long>> CountPortfoliosAsync(PortfolioStore store, IEnumerable<PortfolioGroupRef>? groups = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.CountPortfoliosAsync(groups, cancellationToken);

    /// <summary>Reads the groups of many portfolios in one query.</summary>
    /// <remarks>The portfolios travel as one parameter, so any number of them is one statement.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolios">The portfolios (by row, uid or unique identifier).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// The groups of each portfolio, keyed by portfolio uid: every named portfolio is a key, with an
    /// empty list when it has no group; each list is in group uid order.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="portfolios"/> is null.</exception>
    /// <exception cref="RowNotFoundException">A named portfolio does not exist; the message lists the first few unknown references and their number.</exception>
    /// <exception cref="InvalidValueException">A reference is invalid; the field is named.</exception>
    public static async Task<IReadOnlyDictionary<Guid, IReadOnlyList<PortfolioGroup>>> GetGroupsForPortfoliosAsync(PortfolioStore store, IEnumerable<PortfolioRef> portfolios, CancellationToken cancellationToken = default)
    {
        var records = await PortfolioStore.Usable(store).Memberships.GroupsOfPortfoliosAsync(portfolios, cancellationToken).ConfigureAwait(false);
        var rows = new Dictionary<Guid, IReadOnlyList<PortfolioGroup>>(records.Count);
        foreach (var (uid, groups) in records)
        {
            rows.Add(uid, [.. groups.Select(g => new PortfolioGroup(store, g))]);
        }

        return rows;
    }

    /// <summary>Reads every portfolio in a group, in portfolio uid order, as the rows arrive.</summary>
    /// <remarks>
    /// One statement, read unbuffered: memory does not grow with the group. The connection is taken
    /// when the first row is asked for and released when the enumeration ends, fails, is cancelled,
    /// or is abandoned early. The reference is checked when the method is called; whether the group
    /// exists is known only when the stream has no row, so a missing group fails at the first
    /// <c>MoveNextAsync</c>.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group (by row, uid or unique identifier).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The portfolios, in uid order.</returns>
    /// <exception cref="RowNotFoundException">The group does not exist (raised by the enumeration).</exception>
    public static IAsyncEnumerable<Portfolio> StreamPortfoliosAsync(PortfolioStore store, PortfolioGroupRef group, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.StreamPortfoliosOfGroupAsync(group, record => new Portfolio(store, record), cancellationToken);

    /// <summary>Reads every group a filter selects, in uid order, as the rows arrive.</summary>
    /// <remarks>One unbuffered statement; the connection is held only while the caller enumerates. The filter is checked when the method is called.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select, as for <see cref="FilterAsync"/>; null selects every group.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The groups, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static IAsyncEnumerable<PortfolioGroup> StreamAsync(PortfolioStore store, PortfolioGroupFilter? filter = null, CancellationToken cancellationToken = default) =>
        FromStream(store, PortfolioStore.Usable(store).Groups.StreamAsync(filter, cancellationToken), cancellationToken);

    /// <summary>Reads every group a portfolio belongs to, in group uid order, as the rows arrive.</summary>
    /// <remarks>One unbuffered statement; a missing portfolio fails at the first <c>MoveNextAsync</c>.</remarks>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio (by row, uid or unique identifier).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The groups, in uid order.</returns>
    /// <exception cref="RowNotFoundException">The portfolio does not exist (raised by the enumeration).</exception>
    public static IAsyncEnumerable<PortfolioGroup> StreamGroupsForPortfolioAsync(PortfolioStore store, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.StreamGroupsOfPortfolioAsync(portfolio, record => new PortfolioGroup(store, record), cancellationToken);

    private static async IAsyncEnumerable<PortfolioGroup> FromStream(PortfolioStore store, IAsyncEnumerable<PortfolioGroupRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new PortfolioGroup(store, record);
        }
    }
}
