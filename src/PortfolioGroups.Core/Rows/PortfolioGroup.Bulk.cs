namespace PortfolioGroups;

/// <summary>Bulk writes of groups and of a group's portfolios.</summary>
public sealed partial class PortfolioGroup
{
    /// <summary>
    /// Puts any number of portfolios in a group, in one transaction. The input is streamed in
    /// batches, never held whole in memory.
    /// </summary>
    /// <remarks>
    /// A portfolio named several times counts once; one in the group already is left as it is.
    /// If the group or any portfolio does not exist, the call fails and writes nothing; the
    /// exception lists the first few missing portfolios and their total. Cancelling writes
    /// nothing. <paramref name="progress"/> hears the number of portfolios consumed so far after
    /// each batch. The input is enumerated once.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by row, uid or unique identifier.</param>
    /// <param name="portfolios">The portfolios, each by row, uid or unique identifier.</param>
    /// <param name="progress">Hears the number of portfolios consumed so far; optional.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written.</param>
    /// <returns>How many memberships were added and how many were present already.</returns>
    /// <exception cref="RowNotFoundException">The group or a portfolio does not exist; nothing was written.</exception>
    /// <exception cref="InvalidValueException">A reference names nothing (the field says its position, such as <c>portfolios[3]</c>); nothing was written.</exception>
    public static Task<BulkAddResult> AddPortfoliosAsync(PortfolioStore store, PortfolioGroupRef group, IEnumerable<PortfolioRef> portfolios, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.AddPortfoliosAsync(group, portfolios, progress, cancellationToken);

    /// <summary>
    /// Makes a group hold exactly the portfolios given, atomically (one transaction): adds the
    /// missing ones and takes out the others, which remain as portfolios.
    /// </summary>
    /// <remarks>
    /// An empty input empties the group. A portfolio named several times counts once. If the group
    /// or any portfolio does not exist, the call fails and changes nothing; the exception lists
    /// the first few missing portfolios and their total. On PostgreSQL the group row is locked for
    /// the call, so concurrent replaces of the same group run one after the other. The input is
    /// streamed, never held whole in memory, and enumerated once.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by row, uid or unique identifier.</param>
    /// <param name="portfolios">Every portfolio the group should hold, each by row, uid or unique identifier.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is changed.</param>
    /// <returns>How many portfolios were added, removed and left unchanged.</returns>
    /// <exception cref="RowNotFoundException">The group or a portfolio does not exist; nothing was changed.</exception>
    /// <exception cref="InvalidValueException">A reference names nothing; nothing was changed.</exception>
    public static Task<SetPortfoliosResult> SetPortfoliosAsync(PortfolioStore store, PortfolioGroupRef group, IEnumerable<PortfolioRef> portfolios, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.SetPortfoliosAsync(group, portfolios, cancellationToken);

    /// <summary>
    /// Inserts or updates (by unique identifier) any number of groups, in one transaction, for
    /// imports. The input is streamed in batches, never held whole in memory.
    /// </summary>
    /// <remarks>
    /// Each row is checked as <see cref="UpsertAsync"/> checks its arguments; a bad row fails the
    /// call with an <see cref="InvalidValueException"/> whose field names the row's position (such
    /// as <c>rows[12].Metadata</c>), and nothing is written. Rows with the same identifier: the last
    /// one wins, counted once. An existing group keeps its uid and ends with exactly the row's
    /// values (a null description or metadata clears it). Cancelling writes nothing.
    /// <paramref name="progress"/> hears the number of rows consumed so far after each batch.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="rows">The groups, as they should end.</param>
    /// <param name="progress">Hears the number of rows consumed so far; optional.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written.</param>
    /// <returns>How many groups were inserted and how many updated.</returns>
    /// <exception cref="InvalidValueException">A row is null or has an invalid value; nothing was written.</exception>
    public static Task<UpsertManyResult> UpsertManyAsync(PortfolioStore store, IEnumerable<PortfolioGroupUpsert> rows, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Groups.UpsertManyAsync(rows, progress, cancellationToken);

    /// <summary>Puts any number of portfolios in this group, in one transaction; see <see cref="AddPortfoliosAsync(PortfolioStore, PortfolioGroupRef, IEnumerable{PortfolioRef}, IProgress{long}, CancellationToken)"/>.</summary>
    /// <param name="portfolios">The portfolios, each by row, uid or unique identifier.</param>
    /// <param name="progress">Hears the number of portfolios consumed so far; optional.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is written.</param>
    /// <returns>How many memberships were added and how many were present already.</returns>
    /// <exception cref="RowNotFoundException">This group (deleted since it was read) or a portfolio does not exist; nothing was written.</exception>
    public Task<BulkAddResult> AddPortfoliosAsync(IEnumerable<PortfolioRef> portfolios, IProgress<long>? progress = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(Store).Memberships.AddPortfoliosAsync(this, portfolios, progress, cancellationToken);

    /// <summary>Makes this group hold exactly the portfolios given, atomically; see <see cref="SetPortfoliosAsync(PortfolioStore, PortfolioGroupRef, IEnumerable{PortfolioRef}, CancellationToken)"/>.</summary>
    /// <param name="portfolios">Every portfolio the group should hold.</param>
    /// <param name="cancellationToken">Cancels the call; nothing is changed.</param>
    /// <returns>How many portfolios were added, removed and left unchanged.</returns>
    /// <exception cref="RowNotFoundException">This group (deleted since it was read) or a portfolio does not exist; nothing was changed.</exception>
    public Task<SetPortfoliosResult> SetPortfoliosAsync(IEnumerable<PortfolioRef> portfolios, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(Store).Memberships.SetPortfoliosAsync(this, portfolios, cancellationToken);
}
