namespace PortfolioGroups;

/// <summary>What a bulk delete of groups would remove: the groups, and the memberships that go with them.</summary>
/// <param name="GroupCount">The number of distinct existing groups the call names.</param>
/// <param name="MembershipCount">The number of memberships of those groups (the database deletes them with their group).</param>
public sealed record BulkDeletePreview(long GroupCount, long MembershipCount);

/// <summary>The preflight of the groups' bulk delete.</summary>
public sealed partial class PortfolioGroup
{
    /// <summary>
    /// Counts what <see cref="BulkDeleteAsync(PortfolioStore, IEnumerable{Guid}?, IEnumerable{string}?, CancellationToken)"/>
    /// with the same arguments would delete, and deletes nothing.
    /// </summary>
    /// <remarks>
    /// The arguments follow the bulk delete's rules: both <c>null</c> is refused (never read as
    /// "everything"); empty collections name nothing and count zero; a group named twice (by uid
    /// and by unique identifier) counts once; a key that names no group counts nothing. One
    /// statement, so both counts come from the same snapshot; another writer may change them
    /// before a later delete runs.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uids">Groups by uid; optional.</param>
    /// <param name="uniqueIdentifiers">Groups by unique identifier; optional.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The number of groups and of memberships a delete would remove now.</returns>
    /// <exception cref="InvalidValueException">Both arguments are null, or an item is bad (the field says its position).</exception>
    public static Task<BulkDeletePreview> PreviewBulkDeleteAsync(PortfolioStore store, IEnumerable<Guid>? uids = null, IEnumerable<string>? uniqueIdentifiers = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Groups.PreviewBulkDeleteAsync(uids, uniqueIdentifiers, cancellationToken);
}
