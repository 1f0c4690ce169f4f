using System.Runtime.CompilerServices;
using PortfolioGroups.Repositories;

namespace PortfolioGroups;

/// <summary>Streaming reads of memberships.</summary>
public sealed partial class PortfolioGroupMembership
{
    /// <summary>Reads every membership a filter selects, in uid order, as the rows arrive.</summary>
    /// <remarks>
    /// One statement, read unbuffered: memory does not grow with the result. The connection is taken
    /// when the first row is asked for and released when the enumeration ends, fails, is cancelled,
    /// or is abandoned early. The filter is checked when the method is called.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select, as for <see cref="FilterAsync"/>; null selects every membership.</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    /// <returns>The rows, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static IAsyncEnumerable<PortfolioGroupMembership> StreamAsync(PortfolioStore store, PortfolioGroupMembershipFilter? filter = null, CancellationToken cancellationToken = default) =>
        FromStream(store, PortfolioStore.Usable(store).Memberships.StreamAsync(filter, cancellationToken), cancellationToken);

    private static async IAsyncEnumerable<PortfolioGroupMembership> FromStream(PortfolioStore store, IAsyncEnumerable<MembershipRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new PortfolioGroupMembership(store, record);
        }
    }
}
