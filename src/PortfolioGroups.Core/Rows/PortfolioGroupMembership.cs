using System.Text.Json.Serialization;
using PortfolioGroups.Repositories;

namespace PortfolioGroups;

/// <summary>
/// The membership of one portfolio in one group. It carries nothing but the pair; the database
/// deletes it with either side.
/// </summary>
/// <remarks>
/// Groups and portfolios are named by <see cref="PortfolioGroupRef"/> and <see cref="PortfolioRef"/>
/// (a row, a uid or a unique identifier), resolved inside the statement that needs them.
/// </remarks>
public sealed partial class PortfolioGroupMembership : IEquatable<PortfolioGroupMembership>
{
    internal PortfolioGroupMembership(PortfolioStore store, MembershipRecord record)
    {
        Store = store.RowOwner; // rows read in a transaction outlive it: bound to the parent store
        Uid = record.Uid;
        PortfolioGroupUid = record.PortfolioGroupUid;
        PortfolioUid = record.PortfolioUid;
    }

    /// <summary>The primary key.</summary>
    public Guid Uid { get; }

    /// <summary>The group's uid.</summary>
    public Guid PortfolioGroupUid { get; }

    /// <summary>The portfolio's uid.</summary>
    public Guid PortfolioUid { get; }

    /// <summary>The store this row was read from or written to.</summary>
    /// <remarks>Not part of the row's JSON: a row serializes as its columns only.</remarks>
    [JsonIgnore]
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
        From(store, PortfolioStore.Usable(store).Memberships.AddAsync(group, portfolio, uid, failIfExists: true, cancellationToken));

    /// <summary>Returns the membership of the pair, creating it when absent; two statements at most, unless a concurrent delete of the pair forces a retry.</summary>
    /// <param name="store">The store.</param>
    /// <param name="group">The group.</param>
    /// <param name="portfolio">The portfolio.</param>
    /// <param name="uid">The uid to use if the membership is created; by default a new time-ordered UUID.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RowNotFoundException">The group or the portfolio does not exist.</exception>
    public static Task<PortfolioGroupMembership> UpsertAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, Guid? uid = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Memberships.AddAsync(group, portfolio, uid, failIfExists: false, cancellationToken));

    /// <summary>Moves a membership to another group and/or portfolio.</summary>
    /// <returns>The updated row.</returns>
    /// <exception cref="RowNotFoundException">The membership, or the group or portfolio it moves to, does not exist.</exception>
    /// <exception cref="DuplicateKeyException">The target pair already has a membership.</exception>
    public static Task<PortfolioGroupMembership> UpdateAsync(PortfolioStore store, Guid uid, PortfolioGroupMembershipChanges changes, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Memberships.MoveAsync(uid, changes, cancellationToken));

    /// <summary>Deletes a membership by uid; the group and the portfolio remain.</summary>
    /// <returns>Whether a membership was deleted.</returns>
    public static Task<bool> DeleteAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.DeleteAsync(uid, cancellationToken);

    /// <summary>Reads a membership by uid.</summary>
    /// <exception cref="RowNotFoundException">No such membership.</exception>
    public static Task<PortfolioGroupMembership> GetAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Memberships.GetAsync(uid, cancellationToken));

    /// <summary>Reads a membership by uid, or null when there is none.</summary>
    public static Task<PortfolioGroupMembership?> FindAsync(PortfolioStore store, Guid uid, CancellationToken cancellationToken = default) =>
        FromOptional(store, PortfolioStore.Usable(store).Memberships.FindAsync(uid, cancellationToken));

    /// <summary>Reads every membership a filter selects, in uid order; nothing is cut (one statement, as <see cref="StreamAsync"/> reads them).</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every membership.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Every selected membership, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static Task<IReadOnlyList<PortfolioGroupMembership>> FilterAsync(PortfolioStore store, PortfolioGroupMembershipFilter? filter = null, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamAsync(store, filter, cancellationToken), cancellationToken);

    /// <summary>Reads one page of the memberships a filter selects, in uid order.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every membership.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page; its rows are in <see cref="Page{T}.Items"/>.</returns>
    /// <exception cref="InvalidValueException">The filter or the page request is invalid, or the cursor belongs to another listing; the field is named.</exception>
    public static Task<Page<PortfolioGroupMembership>> FilterPageAsync(PortfolioStore store, PortfolioGroupMembershipFilter? filter, PageRequest page, CancellationToken cancellationToken = default) =>
        FromPage(store, PortfolioStore.Usable(store).Memberships.FilterPageAsync(filter, page, cancellationToken));

    /// <summary>Deletes memberships by uid, in one statement and one transaction, whatever the number of uids.</summary>
    /// <returns>The number deleted; unknown uids are ignored.</returns>
    public static Task<int> BulkDeleteAsync(PortfolioStore store, IEnumerable<Guid> uids, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.BulkDeleteAsync(uids, cancellationToken);

    /// <summary>
    /// Deletes every membership in a scope of groups and/or portfolios (each named by row, uid or
    /// unique identifier), in one statement and one transaction, however many it matches.
    /// </summary>
    /// <returns>The number deleted.</returns>
    /// <exception cref="InvalidValueException">The scope names nothing (refused, never read as "everything").</exception>
    public static Task<int> BulkDeleteAsync(PortfolioStore store, PortfolioGroupMembershipScope scope, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.BulkDeleteAsync(scope, cancellationToken);

    /// <summary>Deletes this membership; the group and the portfolio remain.</summary>
    /// <returns>Whether it was deleted (false if it was already gone).</returns>
    public Task<bool> DeleteAsync(CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(Store).Memberships.DeleteAsync(Uid, cancellationToken);

    /// <inheritdoc />
    public bool Equals(PortfolioGroupMembership? other) =>
        other is not null && Uid == other.Uid && PortfolioGroupUid == other.PortfolioGroupUid && PortfolioUid == other.PortfolioUid;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PortfolioGroupMembership);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, PortfolioGroupUid, PortfolioUid);

    /// <inheritdoc />
    public override string ToString() => $"group {PortfolioGroupUid} / portfolio {PortfolioUid}";

    /// <summary>The row of a record the services return, bound to the store.</summary>
    internal static Task<PortfolioGroupMembership> From(PortfolioStore store, Task<MembershipRecord> record) => RowBinding.One(record, store, static (s, r) => new PortfolioGroupMembership(s, r));

    internal static Task<PortfolioGroupMembership?> FromOptional(PortfolioStore store, Task<MembershipRecord?> record) => RowBinding.Optional(record, store, static (s, r) => new PortfolioGroupMembership(s, r));

    internal static Task<Page<PortfolioGroupMembership>> FromPage(PortfolioStore store, Task<Page<MembershipRecord>> page) => RowBinding.Page(page, r => new PortfolioGroupMembership(store, r));
}
