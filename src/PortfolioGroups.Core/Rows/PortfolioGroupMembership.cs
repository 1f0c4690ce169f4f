using PortfolioGroups.Repositories;
using PortfolioGroups.Services;

namespace PortfolioGroups;

/// <summary>
/// The membership of one portfolio in one group. It carries nothing but the pair; the database
/// deletes it with either side.
/// </summary>
/// <remarks>
/// Groups and portfolios are named by <see cref="PortfolioGroupRef"/> and <see cref="PortfolioRef"/>
/// (a row, a uid or a unique identifier), resolved inside the statement that needs them.
/// </remarks>
public sealed class PortfolioGroupMembership : IEquatable<PortfolioGroupMembership>
{
    // A concurrent delete can remove a membership between the insert that found it and the read
    // that returns it; trying again a few times ends the race.
    private const int RaceAttempts = 3;

    internal PortfolioGroupMembership(PortfolioStore store, Guid uid, Guid portfolioGroupUid, Guid portfolioUid)
    {
        Store = store;
        Uid = uid;
        PortfolioGroupUid = portfolioGroupUid;
        PortfolioUid = portfolioUid;
    }

    /// <summary>The primary key.</summary>
    public Guid Uid { get; }

    /// <summary>The group's uid.</summary>
    public Guid PortfolioGroupUid { get; }

    /// <summary>The portfolio's uid.</summary>
    public Guid PortfolioUid { get; }

    /// <summary>The store this row was read from or written to.</summary>
    public PortfolioStore Store { get; }

    /// <summary>Puts a portfolio in a group. Idempotent on the pair; delegates to <see cref="UpsertAsync"/>.</summary>
    /// <returns>The membership, new or existing.</returns>
    /// <exception cref="RowNotFoundException">The group or the portfolio does not exist.</exception>
    public static Task<PortfolioGroupMembership> AddAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        UpsertAsync(store, group, portfolio, uid: null, cancellationToken);

    /// <summary>Creates the membership of a pair; fails if the pair (or the given uid) exists.</summary>
    /// <exception cref="DuplicateKeyException">The pair or the uid exists.</exception>
    /// <exception cref="RowNotFoundException">The group or the portfolio does not exist.</exception>
    public static Task<PortfolioGroupMembership> CreateAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid = null, CancellationToken cancellationToken = default) =>
        InsertAsync(store, group, portfolio, uid, failIfExists: true, cancellationToken);

    /// <summary>Returns the membership of the pair, creating it when absent; two statements at most, unless a concurrent delete of the pair forces a retry.</summary>
    /// <param name="store">The store.</param>
    /// <param name="group">The group.</param>
    /// <param name="portfolio">The portfolio.</param>
    /// <param name="uid">The uid to use if the membership is created; by default a new time-ordered UUID.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RowNotFoundException">The group or the portfolio does not exist.</exception>
    public static Task<PortfolioGroupMembership> UpsertAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid = null, CancellationToken cancellationToken = default) =>
        InsertAsync(store, group, portfolio, uid, failIfExists: false, cancellationToken);

    /// <summary>Moves a membership to another group and/or portfolio.</summary>
    /// <returns>The updated row.</returns>
    /// <exception cref="RowNotFoundException">The membership, or the group or portfolio it moves to, does not exist.</exception>
    /// <exception cref="DuplicateKeyException">The target pair already has a membership.</exception>
    public static async Task<PortfolioGroupMembership> UpdateAsync(PortfolioStore store, Guid uid, PortfolioGroupMembershipChanges changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        Guard.Uid(uid, nameof(uid));
        Guard.NotNull(changes, nameof(changes));
        if (changes.Group is null && changes.Portfolio is null)
        {
            return await GetAsync(store, uid, cancellationToken).ConfigureAwait(false);
        }

        // One statement resolves the new sides; a second moves the membership (a side not given stays).
        var groupKey = changes.Group?.ToKey("changes.Group");
        var portfolioKey = changes.Portfolio?.ToKey("changes.Portfolio");
        var (groupUid, portfolioUid) = await store.Memberships.ResolveSidesAsync(groupKey, portfolioKey, cancellationToken).ConfigureAwait(false);
        if (groupKey is { } g && groupUid is null)
        {
            throw g.NotFound(PortfolioGroupRepository.Table);
        }

        if (portfolioKey is { } p && portfolioUid is null)
        {
            throw p.NotFound(PortfolioRepository.Table);
        }

        return await store.Memberships.MoveAsync(uid, groupUid, portfolioUid, cancellationToken).ConfigureAwait(false)
               ?? throw new RowNotFoundException(MembershipRepository.Table, "uid", uid.ToString());
    }

    /// <summary>Deletes a membership by uid; the group and the portfolio remain.</summary>
    /// <returns>Whether a membership was deleted.</returns>
    public static async Task<bool> DeleteAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        return await store.Memberships.DeleteAsync(Guard.Uid(uid, nameof(uid)), cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>Reads a membership by uid.</summary>
    /// <exception cref="RowNotFoundException">No such membership.</exception>
    public static async Task<PortfolioGroupMembership> GetAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken = default) =>
        await FindAsync(store, uid, cancellationToken).ConfigureAwait(false)
        ?? throw new RowNotFoundException(MembershipRepository.Table, "uid", uid.ToString());

    /// <summary>Reads a membership by uid, or null when there is none.</summary>
    public static Task<PortfolioGroupMembership?> FindAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        return store.Memberships.FindAsync(Guard.Uid(uid, nameof(uid)), cancellationToken);
    }

    /// <summary>Reads one page of the memberships a filter selects, in uid order.</summary>
    /// <exception cref="InvalidValueException">The filter or the page request is invalid; the field is named.</exception>
    public static Task<Page<PortfolioGroupMembership>> FilterAsync(PortfolioStore store, PortfolioGroupMembershipFilter? filter = null, PageRequest? page = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        filter ??= new PortfolioGroupMembershipFilter();
        var groups = KeySet.From(filter.GroupUids, filter.GroupUniqueIdentifiers, "filter.GroupUids", "filter.GroupUniqueIdentifiers");
        var portfolios = KeySet.From(filter.PortfolioUids, filter.PortfolioUniqueIdentifiers, "filter.PortfolioUids", "filter.PortfolioUniqueIdentifiers");
        return store.Memberships.FilterAsync(groups, portfolios, PageQuery.From(page), cancellationToken);
    }

    /// <summary>Deletes memberships by uid, in one statement and one transaction, whatever the number of uids.</summary>
    /// <returns>The number deleted; unknown uids are ignored.</returns>
    public static async Task<int> BulkDeleteAsync(PortfolioStore store, IEnumerable<Guid> uids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
        Guard.NotNull(uids, nameof(uids));
        var keys = KeySet.From(uids, null, nameof(uids), nameof(uids));
        return keys.IsEmpty ? 0 : await store.Memberships.BulkDeleteAsync(keys.Uids!, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes every membership in a scope of groups and/or portfolios (each named by row, uid or
    /// unique identifier), in one statement and one transaction, however many it matches.
    /// </summary>
    /// <returns>The number deleted.</returns>
    /// <exception cref="InvalidValueException">The scope names nothing (refused, never read as "everything").</exception>
    public static async Task<int> BulkDeleteAsync(PortfolioStore store, PortfolioGroupMembershipScope scope, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        store.ThrowIfDisposed();
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

        return await store.Memberships.BulkDeleteAsync(groups, portfolios, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes this membership; the group and the portfolio remain.</summary>
    /// <returns>Whether it was deleted (false if it was already gone).</returns>
    public Task<bool> DeleteAsync(CancellationToken cancellationToken = default) => DeleteAsync(Store, Uid, cancellationToken);

    /// <inheritdoc />
    public bool Equals(PortfolioGroupMembership? other) =>
        other is not null && Uid == other.Uid && PortfolioGroupUid == other.PortfolioGroupUid && PortfolioUid == other.PortfolioUid;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PortfolioGroupMembership);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, PortfolioGroupUid, PortfolioUid);

    /// <inheritdoc />
    public override string ToString() => $"group {PortfolioGroupUid} / portfolio {PortfolioUid}";

    private static (RowKey Group, RowKey Portfolio, Guid Uid) Open(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid)
    {
        var groupKey = PortfolioGroup.Open(store, group);
        var portfolioKey = portfolio.ToKey(nameof(portfolio));
        var newUid = uid is { } given ? Guard.Uid(given, nameof(uid)) : Guid.CreateVersion7();
        return (groupKey, portfolioKey, newUid);
    }

    /// <summary>
    /// Inserts the membership of a pair, resolving both sides in the statement. When nothing was
    /// inserted, a second statement tells why: a missing side (an error), or an existing pair
    /// (returned, or an error with <paramref name="failIfExists"/>).
    /// </summary>
    private static async Task<PortfolioGroupMembership> InsertAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid, bool failIfExists, CancellationToken cancellationToken)
    {
        var (groupKey, portfolioKey, newUid) = Open(store, group, portfolio, uid);
        for (var attempt = 1; ; attempt++)
        {
            var inserted = await store.Memberships.InsertAsync(newUid, groupKey, portfolioKey, ignoreExisting: !failIfExists, cancellationToken).ConfigureAwait(false);
            if (inserted is not null)
            {
                return inserted;
            }

            var (_, _, existing) = await ResolveAsync(store, groupKey, portfolioKey, cancellationToken).ConfigureAwait(false);
            if (existing is not null)
            {
                return failIfExists
                    ? throw new DuplicateKeyException(MembershipRepository.Table, "(portfolio_group_uid, portfolio_uid)", $"{groupKey}, {portfolioKey}")
                    : existing;
            }

            // Both sides exist but no membership does: it was deleted between the two statements.
            if (attempt == RaceAttempts)
            {
                throw new PortfolioGroupsException("The membership could not be added: it kept being deleted concurrently.");
            }
        }
    }

    /// <summary>Resolves both sides of a pair and its membership; a missing side is an error.</summary>
    private static async Task<(Guid Group, Guid Portfolio, PortfolioGroupMembership? Existing)> ResolveAsync(PortfolioStore store, RowKey group, RowKey portfolio, CancellationToken cancellationToken)
    {
        var (groupUid, portfolioUid, existing) = await store.Memberships.ResolvePairAsync(group, portfolio, cancellationToken).ConfigureAwait(false);
        if (groupUid is null)
        {
            throw group.NotFound(PortfolioGroupRepository.Table);
        }

        if (portfolioUid is null)
        {
            throw portfolio.NotFound(PortfolioRepository.Table);
        }

        return (groupUid.Value, portfolioUid.Value, existing);
    }
}
