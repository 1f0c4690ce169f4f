namespace PortfolioGroups;

/// <summary>Bulk adds of memberships.</summary>
public sealed partial class PortfolioGroupMembership
{
    /// <summary>
    /// Puts each portfolio in its group, for any number of pairs, in one transaction. The input is
    /// streamed in batches, never held whole in memory.
    /// </summary>
    /// <remarks>
    /// A pair named several times counts once, and a pair that is a membership already is left
    /// as it is. Every reference is resolved in the database; if any names no row, the call
    /// fails and writes nothing, and the exception lists the first few missing references and
    /// their total. Cancelling, or a bad item (a reference that names nothing), also writes
    /// nothing. <paramref name="progress"/> hears the number of pairs consumed so far after each
    /// batch. The input is enumerated once.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="pairs">The group and portfolio of each membership, each by row, uid or unique identifier.</param>
    /// <param name="progress">Hears the number of pairs consumed so far; optional.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written.</param>
    /// <returns>How many memberships were added and how many were present already.</returns>
    /// <exception cref="RowNotFoundException">A group or portfolio does not exist; nothing was written.</exception>
    /// <exception cref="InvalidValueException">A pair names nothing (the field says its position, such as <c>pairs[3].Group</c>); nothing was written.</exception>
    public static Task<BulkAddResult> AddManyAsync(
        PortfolioStore store,
        IEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> pairs,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.AddManyAsync(pairs, progress, cancellationToken);

    /// <summary>
    /// Puts each portfolio in its group, for any number of pairs read from an asynchronous stream,
    /// in one transaction; the same rules as
    /// <see cref="AddManyAsync(PortfolioStore, IEnumerable{ValueTuple{PortfolioGroupRef, PortfolioRef}}, IProgress{long}, CancellationToken)"/>.
    /// </summary>
    /// <remarks>
    /// The stream is read as the rows are written (the transaction stays open meanwhile), and
    /// enumerated with <paramref name="cancellationToken"/>.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="pairs">The group and portfolio of each membership.</param>
    /// <param name="progress">Hears the number of pairs consumed so far; optional.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written.</param>
    /// <returns>How many memberships were added and how many were present already.</returns>
    /// <exception cref="RowNotFoundException">A group or portfolio does not exist; nothing was written.</exception>
    /// <exception cref="InvalidValueException">A pair names nothing; nothing was written.</exception>
    public static Task<BulkAddResult> AddManyAsync(
        PortfolioStore store,
        IAsyncEnumerable<(PortfolioGroupRef Group, PortfolioRef Portfolio)> pairs,
        IProgress<long>? progress = null,
        CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.AddManyAsync(pairs, progress, cancellationToken);
}
