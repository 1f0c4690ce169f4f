using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The rules of the all-or-nothing bulk delete of groups by uid: distinct uids, the missing ones listed in the order given.</summary>
internal sealed partial class PortfolioGroupService
{
    public async Task<GroupBulkDeleteCheck> PreflightBulkDeleteAsync(IEnumerable<Guid> uids, CancellationToken cancellationToken)
    {
        var (keys, ordered) = DistinctUids(uids);
        if (ordered.Count == 0)
        {
            return new GroupBulkDeleteCheck(0, 0, [], 0);
        }

        var found = await groups.FindForDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
        var present = found.Select(f => f.Uid).ToHashSet();
        return new GroupBulkDeleteCheck(found.Count, found.Sum(f => f.MembershipCount), Missing(ordered, present), 0);
    }

    public async Task<GroupBulkDeleteCheck> BulkDeleteAllOrNoneAsync(IEnumerable<Guid> uids, CancellationToken cancellationToken)
    {
        var (keys, ordered) = DistinctUids(uids);
        if (ordered.Count == 0)
        {
            return new GroupBulkDeleteCheck(0, 0, [], 0);
        }

        var (committed, found) = await groups.DeleteAllOrNoneAsync(keys, cancellationToken).ConfigureAwait(false);
        var present = found.ToHashSet();
        return committed
            ? new GroupBulkDeleteCheck(found.Count, 0, [], found.Count)
            : new GroupBulkDeleteCheck(found.Count, 0, Missing(ordered, present), 0);
    }

    /// <summary>The uids of <paramref name="ordered"/> (distinct) not in <paramref name="present"/> (found among them), in order, sized once.</summary>
    private static List<Guid> Missing(IReadOnlyCollection<Guid> ordered, HashSet<Guid> present)
    {
        var missing = new List<Guid>(Math.Max(0, ordered.Count - present.Count));
        foreach (var uid in ordered)
        {
            if (!present.Contains(uid))
            {
                missing.Add(uid);
            }
        }

        return missing;
    }

    // The guard keeps the uids in the order given (each in its first place), so the set is the order.
    private static (KeySet Keys, IReadOnlyCollection<Guid> Ordered) DistinctUids(IEnumerable<Guid> uids)
    {
        var keys = Guard.Keys(Guard.NotNull(uids), null, nameof(uids), nameof(uids));
        return (keys, keys.Uids ?? []);
    }
}
