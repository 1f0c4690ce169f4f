using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>
/// The rules behind <see cref="PortfolioGroupMembership"/>'s helpers: resolving both sides of a
/// pair, telling a missing side from an existing pair, moves and scoped bulk deletes.
/// </summary>
internal sealed class MembershipService(MembershipRepository memberships)
{
    // A concurrent delete can remove a membership between the insert that found it and the read
    // that returns it; trying again a few times ends the race.
    private const int RaceAttempts = 3;

    /// <summary>
    /// Inserts the membership of a pair, resolving both sides in the statement. When nothing was
    /// inserted, a second statement tells why: a missing side (an error), or an existing pair
    /// (returned, or an error with <paramref name="failIfExists"/>).
    /// </summary>
    public async Task<PortfolioGroupMembership> InsertAsync(PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid, bool failIfExists, CancellationToken cancellationToken)
    {
        var groupKey = group.ToKey(nameof(group));
        var portfolioKey = portfolio.ToKey(nameof(portfolio));
        var newUid = uid is { } given ? Guard.Uid(given, nameof(uid)) : Guid.CreateVersion7();
        for (var attempt = 1; ; attempt++)
        {
            var inserted = await memberships.InsertAsync(newUid, groupKey, portfolioKey, ignoreExisting: !failIfExists, cancellationToken).ConfigureAwait(false);
            if (inserted is not null)
            {
                return inserted;
            }

            var (groupUid, portfolioUid, existing) = await memberships.ResolvePairAsync(groupKey, portfolioKey, cancellationToken).ConfigureAwait(false);
            if (groupUid is null)
            {
                throw groupKey.NotFound(PortfolioGroupRepository.Table);
            }

            if (portfolioUid is null)
            {
                throw portfolioKey.NotFound(PortfolioRepository.Table);
            }

            if (existing is not null)
            {
                return failIfExists
                    ? throw new DuplicateKeyException(MembershipRepository.Table, MembershipRepository.PairKey, $"{groupKey}, {portfolioKey}")
                    : existing;
            }

            // Both sides exist but no membership does: it was deleted between the two statements.
            if (attempt == RaceAttempts)
            {
                throw new PortfolioGroupsException("The membership could not be added: it kept being deleted concurrently.");
            }
        }
    }

    /// <summary>Moves a membership: one statement resolves the new sides, a second moves it (a side not given stays).</summary>
    public async Task<PortfolioGroupMembership> UpdateAsync(Guid uid, PortfolioGroupMembershipChanges changes, CancellationToken cancellationToken)
    {
        Guard.Uid(uid, nameof(uid));
        Guard.NotNull(changes, nameof(changes));
        if (changes.Group is null && changes.Portfolio is null)
        {
            return await GetAsync(uid, cancellationToken).ConfigureAwait(false);
        }

        var groupKey = changes.Group?.ToKey("changes.Group");
        var portfolioKey = changes.Portfolio?.ToKey("changes.Portfolio");
        var (groupUid, portfolioUid) = await memberships.ResolveSidesAsync(groupKey, portfolioKey, cancellationToken).ConfigureAwait(false);
        if (groupKey is { } g && groupUid is null)
        {
            throw g.NotFound(PortfolioGroupRepository.Table);
        }

        if (portfolioKey is { } p && portfolioUid is null)
        {
            throw p.NotFound(PortfolioRepository.Table);
        }

        return await memberships.MoveAsync(uid, groupUid, portfolioUid, cancellationToken).ConfigureAwait(false)
               ?? throw NotFound(uid);
    }

    public async Task<bool> DeleteAsync(Guid uid, CancellationToken cancellationToken) =>
        await memberships.DeleteAsync(Guard.Uid(uid, nameof(uid)), cancellationToken).ConfigureAwait(false) > 0;

    public async Task<PortfolioGroupMembership> GetAsync(Guid uid, CancellationToken cancellationToken) =>
        await FindAsync(uid, cancellationToken).ConfigureAwait(false) ?? throw NotFound(uid);

    public Task<PortfolioGroupMembership?> FindAsync(Guid uid, CancellationToken cancellationToken) =>
        memberships.FindAsync(Guard.Uid(uid, nameof(uid)), cancellationToken);

    public Task<Page<PortfolioGroupMembership>> FilterAsync(PortfolioGroupMembershipFilter? filter, PageRequest? page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupMembershipFilter();
        var groups = KeySet.From(filter.GroupUids, filter.GroupUniqueIdentifiers, "filter.GroupUids", "filter.GroupUniqueIdentifiers");
        var portfolios = KeySet.From(filter.PortfolioUids, filter.PortfolioUniqueIdentifiers, "filter.PortfolioUids", "filter.PortfolioUniqueIdentifiers");
        return memberships.FilterAsync(groups, portfolios, PageQuery.From(page), cancellationToken);
    }

    public async Task<int> BulkDeleteAsync(IEnumerable<Guid> uids, CancellationToken cancellationToken)
    {
        Guard.NotNull(uids, nameof(uids));
        var keys = KeySet.From(uids, null, nameof(uids), nameof(uids));
        return keys.IsEmpty ? 0 : await memberships.BulkDeleteAsync(keys.Uids!, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> BulkDeleteAsync(PortfolioGroupMembershipScope scope, CancellationToken cancellationToken)
    {
        Guard.NotNull(scope, nameof(scope));
        if (scope.Groups is null && scope.Portfolios is null)
        {
            throw new InvalidValueException("scope", "names no group and no portfolio; a scoped bulk delete never means \"everything\".");
        }

        var groups = KeySet.From(scope.Groups, g => g.ToKey("scope.Groups"));
        var portfolios = KeySet.From(scope.Portfolios, p => p.ToKey("scope.Portfolios"));
        if ((groups.IsGiven && groups.IsEmpty) || (portfolios.IsGiven && portfolios.IsEmpty))
        {
            return 0;
        }

        return await memberships.BulkDeleteAsync(groups, portfolios, cancellationToken).ConfigureAwait(false);
    }

    private static RowNotFoundException NotFound(Guid uid) => new(MembershipRepository.Table, "uid", uid.ToString());
}
