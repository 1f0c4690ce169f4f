namespace PortfolioGroups;

/// <summary>Bulk writes of portfolios.</summary>
public sealed partial class Portfolio
{
    /// <summary>
    /// Deletes many portfolios, named by uids and/or unique identifiers, in one statement and one
    /// transaction; the database deletes their memberships, and their groups remain.
    /// </summary>
    /// <remarks>
    /// Any number of keys is one statement (the keys travel as one array parameter). A portfolio
    /// named twice (say by uid and by identifier) is deleted once; unknown keys are ignored.
    /// Empty collections delete nothing and return 0.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uids">The uids of portfolios to delete; null for none.</param>
    /// <param name="uniqueIdentifiers">The unique identifiers of portfolios to delete; null for none.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of portfolios deleted.</returns>
    /// <exception cref="InvalidValueException">Both arguments are null (the call names nothing), or a key is invalid.</exception>
    public static Task<int> BulkDeleteAsync(PortfolioStore store, IEnumerable<Guid>? uids = null, IEnumerable<string>? uniqueIdentifiers = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Portfolios.BulkDeleteAsync(uids, uniqueIdentifiers, cancellationToken);

    /// <summary>
    /// Inserts or updates (by unique identifier) any number of portfolios, in one transaction, for
    /// imports. The input is streamed in batches, never held whole in memory.
    /// </summary>
    /// <remarks>
    /// Each row is checked as <see cref="UpsertAsync"/> checks its arguments; a bad row fails the
    /// call with an <see cref="InvalidValueException"/> whose field names the row's position (such
    /// as <c>rows[12].UniqueIdentifier</c>), and nothing is written. Rows with the same identifier:
    /// the last one wins, counted once. An existing portfolio keeps its uid and ends with the row's
    /// display name (null clears it). Cancelling writes nothing. <paramref name="progress"/> hears
    /// the number of rows consumed so far after each batch. The input is enumerated once.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="rows">The portfolios, as they should end.</param>
    /// <param name="progress">Hears the number of rows consumed so far; optional.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written.</param>
    /// <returns>How many portfolios were inserted and how many updated.</returns>
    /// <exception cref="InvalidValueException">A row is null or has an invalid value; nothing was written.</exception>
    public static Task<UpsertManyResult> UpsertManyAsync(PortfolioStore store, IEnumerable<PortfolioUpsert> rows, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Portfolios.UpsertManyAsync(rows, progress, cancellationToken);
}
