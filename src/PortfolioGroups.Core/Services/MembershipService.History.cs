using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>
/// Reads of the membership history as of an instant: the portfolios of a group, the groups of a
/// portfolio, member counts. A group or portfolio is named by uid, or by a unique identifier it had
/// when the interval opened, so one deleted or renamed since is still found.
/// </summary>
internal sealed partial class MembershipService
{
    /// <summary>The intervals of a group in force at <paramref name="asOf"/>, in portfolio uid order, streamed; nothing when it had no members then.</summary>
    public IAsyncEnumerable<IntervalRecord> StreamPortfoliosOfGroupAsOfAsync(PortfolioGroupRef group, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        return memberships.StreamInForceAsync(MembershipRepository.HistorySide.Group, key, memberships.InstantValue(asOf), cancellationToken);
    }

    /// <summary>The intervals of a portfolio in force at <paramref name="asOf"/>, in group uid order, streamed; nothing when it had no groups then.</summary>
    public IAsyncEnumerable<IntervalRecord> StreamGroupsOfPortfolioAsOfAsync(PortfolioRef portfolio, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        return memberships.StreamInForceAsync(MembershipRepository.HistorySide.Portfolio, key, memberships.InstantValue(asOf), cancellationToken);
    }

    /// <summary>
    /// The member count at <paramref name="asOf"/> of each named group (every group that had members
    /// then when <paramref name="groups"/> is null), keyed by group uid: a group named by uid is a key,
    /// zero when it had no members; one named by an identifier is a key when a group had that
    /// identifier in an interval in force then.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, long>> CountPortfoliosAsOfAsync(IEnumerable<PortfolioGroupRef>? groups, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var keys = Guard.Keys(groups, g => Guard.Key(g, nameof(groups)));
        if (keys.IsGiven && keys.IsEmpty)
        {
            return new Dictionary<Guid, long>();
        }

        var rows = await memberships.CountInForceAsync(memberships.InstantValue(asOf), cancellationToken).ConfigureAwait(false);
        var uids = keys.Uids?.ToHashSet() ?? [];
        var identifiers = keys.UniqueIdentifiers?.ToHashSet(StringComparer.Ordinal) ?? [];

        // A group is named when its uid is, or any identifier it had in an interval in force then; it counts all of them.
        var named = rows.Where(r => !keys.IsGiven || uids.Contains(r.PortfolioGroupUid) || identifiers.Contains(r.GroupUniqueIdentifier))
            .Select(r => r.PortfolioGroupUid).ToHashSet();
        var counts = new Dictionary<Guid, long>();
        foreach (var row in rows.Where(r => named.Contains(r.PortfolioGroupUid)))
        {
            counts[row.PortfolioGroupUid] = counts.GetValueOrDefault(row.PortfolioGroupUid) + row.Members;
        }

        foreach (var uid in uids)
        {
            counts.TryAdd(uid, 0);
        }

        return counts;
    }
}
