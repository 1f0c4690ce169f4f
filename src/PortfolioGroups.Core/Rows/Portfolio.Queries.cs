using System.Runtime.CompilerServices;
using PortfolioGroups.Repositories;

namespace PortfolioGroups;

/// <summary>Streaming reads of portfolios.</summary>
public sealed partial class Portfolio
{
    /// <summary>Reads every portfolio a filter selects, in uid order, as the rows arrive.</summary>
    /// <remarks>
    /// One statement, read unbuffered: memory does not grow with the result. The connection is taken
    /// when the first row is asked for and released when the enumeration ends, fails, is cancelled,
    /// or is abandoned (leaving an <c>await foreach</c> early disposes it). Keep the loop's work
    /// short: on PostgreSQL the statement, and on SQLite a read snapshot, stay open until then.
    /// The filter is checked when the method is called, before anything runs.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select, as for <see cref="FilterAsync(PortfolioStore, PortfolioFilter?, CancellationToken)"/>; null selects every portfolio.</param>
    /// <param name="cancellationToken">Cancels the enumeration (so does the token given to <c>WithCancellation</c>).</param>
    /// <returns>The rows, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static IAsyncEnumerable<Portfolio> StreamAsync(PortfolioStore store, PortfolioFilter? filter = null, CancellationToken cancellationToken = default) =>
        FromStream(store, PortfolioStore.Usable(store).Portfolios.StreamAsync(filter, cancellationToken), cancellationToken);

    /// <summary>The rows of a stream of records the services return, bound to the store.</summary>
    internal static async IAsyncEnumerable<Portfolio> FromStream(PortfolioStore store, IAsyncEnumerable<PortfolioRecord> records, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var record in records.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new Portfolio(store, record);
        }
    }
}
