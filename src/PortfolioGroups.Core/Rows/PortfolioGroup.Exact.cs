namespace PortfolioGroups;

/// <summary>What an all-or-nothing bulk delete of groups by uid finds, or found.</summary>
/// <param name="MatchedCount">The number of distinct named groups that exist.</param>
/// <param name="MembershipCount">The number of memberships of those groups (the database deletes them with their group).</param>
/// <param name="Missing">The named uids that name no group, in the order given.</param>
/// <param name="DeletedCount">The number of groups deleted: 0 for a preflight, and whenever a group was missing.</param>
public sealed record GroupBulkDeleteCheck(long MatchedCount, long MembershipCount, IReadOnlyList<Guid> Missing, long DeletedCount)
{
    /// <summary>Whether the delete may (or did) go ahead: at least one group named, and every named group exists.</summary>
    public bool Allowed => MatchedCount > 0 && Missing.Count == 0;
}

/// <summary>The all-or-nothing bulk delete of groups by uid, and its preflight.</summary>
public sealed partial class PortfolioGroup
{
    /// <summary>Checks what <see cref="BulkDeleteAllOrNoneAsync"/> with the same uids would do, and deletes nothing.</summary>
    /// <remarks>
    /// One statement. A uid named twice counts once. Another writer may change the answer before a
    /// later delete runs; the delete checks again, in its own transaction.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uids">The groups, by uid.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The groups found, their memberships, and the uids that name no group.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uids"/> is null.</exception>
    /// <exception cref="InvalidValueException">A uid is empty (the field says its position).</exception>
    public static Task<GroupBulkDeleteCheck> PreflightBulkDeleteAsync(PortfolioStore store, IEnumerable<Guid> uids, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Groups.PreflightBulkDeleteAsync(uids, cancellationToken);

    /// <summary>
    /// Deletes the groups named by uid, in one transaction, only when every one of them exists;
    /// when one is missing, nothing is deleted and the answer lists the missing uids.
    /// </summary>
    /// <remarks>
    /// The check and the delete are one transaction, so no other writer can slip between them. The
    /// groups' memberships go with them; their portfolios remain.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uids">The groups, by uid.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number deleted, or the missing uids (and then nothing was deleted).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="uids"/> is null.</exception>
    /// <exception cref="InvalidValueException">A uid is empty (the field says its position).</exception>
    public static Task<GroupBulkDeleteCheck> BulkDeleteAllOrNoneAsync(PortfolioStore store, IEnumerable<Guid> uids, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Groups.BulkDeleteAllOrNoneAsync(uids, cancellationToken);
}
