using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>
/// Every membership operation: add, remove, move, delete, read, filter, bulk deletes, and both
/// directions of listing (the portfolios of a group, the groups of a portfolio). Resolves both
/// sides of a pair, tells a missing side from an existing pair, and ends the add/delete race.
/// </summary>
internal sealed partial class MembershipService(MembershipRepository memberships, PortfolioRepository portfolios, PortfolioGroupRepository groups)
{
    /// <summary>
    /// Puts the pair in, resolving both sides in the statement, which returns the pair's row (new,
    /// or with <paramref name="failIfExists"/> false the existing one; an existing pair is a
    /// <see cref="DuplicateKeyException"/> otherwise). When it returns nothing, a side was missing
    /// as it ran: the add runs once more in a transaction that locks both sides against delete
    /// first, whose answer is final (the row, or <see cref="RowNotFoundException"/> for the missing
    /// side). A delete of the membership beside the add never fails it; only a delete of its group
    /// or portfolio does.
    /// </summary>
    public async Task<MembershipRecord> AddAsync(PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid, bool failIfExists, CancellationToken cancellationToken)
    {
        var groupKey = Guard.Key(group, nameof(group));
        var portfolioKey = Guard.Key(portfolio, nameof(portfolio));
        var newUid = uid is { } given ? Guard.Uid(given, nameof(uid)) : Guid.CreateVersion7();
        if (await memberships.InsertAsync(newUid, groupKey, portfolioKey, ignoreExisting: !failIfExists, cancellationToken).ConfigureAwait(false) is { } row)
        {
            return row;
        }

        var locked = await memberships.InsertLockedAsync(newUid, groupKey, portfolioKey, ignoreExisting: !failIfExists, cancellationToken).ConfigureAwait(false);
        return locked.Row
            ?? throw (locked.GroupMissing ? groupKey.NotFound(PortfolioGroupRepository.Table) : portfolioKey.NotFound(PortfolioRepository.Table));
    }

    /// <summary>Takes a portfolio out of a group; whether a membership was deleted.</summary>
    public async Task<bool> RemoveAsync(PortfolioGroupRef group, PortfolioRef portfolio, CancellationToken cancellationToken)
    {
        var groupKey = Guard.Key(group, nameof(group));
        var portfolioKey = Guard.Key(portfolio, nameof(portfolio));
        return await memberships.RemoveAsync(groupKey, portfolioKey, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Moves a membership in one statement (a side not given stays); when it moved nothing, a second statement tells why.</summary>
    public async Task<MembershipRecord> MoveAsync(Guid uid, PortfolioGroupMembershipChanges changes, CancellationToken cancellationToken)
    {
        Guard.Uid(uid, nameof(uid));
        Guard.NotNull(changes);
        if (changes.Group is null && changes.Portfolio is null)
        {
            return await GetAsync(uid, cancellationToken).ConfigureAwait(false);
        }

        var groupKey = changes.Group is { } g ? Guard.Key(g, "changes.Group") : (RowKey?)null;
        var portfolioKey = changes.Portfolio is { } p ? Guard.Key(p, "changes.Portfolio") : (RowKey?)null;
        if (await memberships.MoveAsync(uid, groupKey, portfolioKey, cancellationToken).ConfigureAwait(false) is { } moved)
        {
            return moved;
        }

        var found = await memberships.ResolveAsync(uid, groupKey, portfolioKey, cancellationToken).ConfigureAwait(false);
        if (groupKey is { } missingGroup && found.GroupUid is null)
        {
            throw missingGroup.NotFound(PortfolioGroupRepository.Table);
        }

        if (portfolioKey is { } missingPortfolio && found.PortfolioUid is null)
        {
            throw missingPortfolio.NotFound(PortfolioRepository.Table);
        }

        throw NotFound(uid);
    }

    public async Task<bool> DeleteAsync(Guid uid, CancellationToken cancellationToken) =>
        await memberships.DeleteAsync(Guard.Uid(uid, nameof(uid)), cancellationToken).ConfigureAwait(false) > 0;

    public async Task<MembershipRecord> GetAsync(Guid uid, CancellationToken cancellationToken) =>
        await FindAsync(uid, cancellationToken).ConfigureAwait(false) ?? throw NotFound(uid);

    public Task<MembershipRecord?> FindAsync(Guid uid, CancellationToken cancellationToken) =>
        memberships.FindAsync(Guard.Uid(uid, nameof(uid)), cancellationToken);

    public Task<Page<MembershipRecord>> FilterPageAsync(PortfolioGroupMembershipFilter? filter, PageRequest page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupMembershipFilter();
        var groupKeys = Guard.Keys(filter.GroupUids, filter.GroupUniqueIdentifiers, "filter.GroupUids", "filter.GroupUniqueIdentifiers");
        var portfolioKeys = Guard.Keys(filter.PortfolioUids, filter.PortfolioUniqueIdentifiers, "filter.PortfolioUids", "filter.PortfolioUniqueIdentifiers");
        var listing = Listing.Of(ListingKind.Memberships).Add(groupKeys).Add(portfolioKeys).Build();
        return memberships.FilterAsync(groupKeys, portfolioKeys, Guard.Page(page, listing), cancellationToken);
    }

    public async Task<int> BulkDeleteAsync(IEnumerable<Guid> uids, CancellationToken cancellationToken)
    {
        var keys = Guard.Keys(Guard.NotNull(uids), null, nameof(uids), nameof(uids));
        return keys.IsEmpty ? 0 : await memberships.BulkDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> BulkDeleteAsync(PortfolioGroupMembershipScope scope, CancellationToken cancellationToken)
    {
        Guard.NotNull(scope);
        if (scope.Groups is null && scope.Portfolios is null)
        {
            throw new InvalidValueException("scope", "names no group and no portfolio; a scoped bulk delete never means \"everything\".");
        }

        var groupKeys = Guard.Keys(scope.Groups, g => Guard.Key(g, "scope.Groups"));
        var portfolioKeys = Guard.Keys(scope.Portfolios, p => Guard.Key(p, "scope.Portfolios"));
        if ((groupKeys.IsGiven && groupKeys.IsEmpty) || (portfolioKeys.IsGiven && portfolioKeys.IsEmpty))
        {
            return 0;
        }

        return await memberships.BulkDeleteAsync(groupKeys, portfolioKeys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The portfolios of a group; an empty page is told apart from a missing group by a second read.</summary>
    public async Task<Page<PortfolioRecord>> PortfoliosOfGroupPageAsync(PortfolioGroupRef group, PageRequest page, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        var query = Guard.Page(page, Listing.Of(ListingKind.PortfoliosOfGroup).Add(key).Build());
        var result = await memberships.PortfoliosOfGroupAsync(key, query, cancellationToken).ConfigureAwait(false);
        if (result.Items.Count == 0 && await groups.FindAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw key.NotFound(PortfolioGroupRepository.Table);
        }

        return result;
    }

    /// <summary>The groups of a portfolio; an empty page is told apart from a missing portfolio by a second read.</summary>
    public async Task<Page<PortfolioGroupRecord>> GroupsOfPortfolioPageAsync(PortfolioRef portfolio, PageRequest page, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        var query = Guard.Page(page, Listing.Of(ListingKind.GroupsOfPortfolio).Add(key).Build());
        var result = await memberships.GroupsOfPortfolioAsync(key, query, cancellationToken).ConfigureAwait(false);
        if (result.Items.Count == 0 && await portfolios.FindAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw key.NotFound(PortfolioRepository.Table);
        }

        return result;
    }

    private static RowNotFoundException NotFound(Guid uid) => new(MembershipRepository.Table, "uid", uid.ToString());
}
