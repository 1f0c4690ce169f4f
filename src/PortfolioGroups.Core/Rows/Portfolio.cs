using System.Text.Json.Serialization;
using PortfolioGroups.Repositories;

namespace PortfolioGroups;

/// <summary>
/// A portfolio row. Immutable: an update returns the new row. The row remembers the store it
/// came from, so it can update, delete and list its groups itself.
/// </summary>
/// <remarks>
/// Static helpers take the store first; every helper is async and takes a cancellation token.
/// Wherever a portfolio is named, a <see cref="PortfolioRef"/> accepts the row, its uid or its
/// unique identifier.
/// </remarks>
public sealed partial class Portfolio : IEquatable<Portfolio>
{
    internal Portfolio(PortfolioStore store, PortfolioRecord record)
    {
        Store = store.RowOwner; // rows read in a transaction outlive it: bound to the parent store
        Uid = record.Uid;
        UniqueIdentifier = record.UniqueIdentifier;
        DisplayName = record.DisplayName;
    }

    /// <summary>The primary key.</summary>
    public Guid Uid { get; }

    /// <summary>The natural key: unique, case-sensitive, at most 255 characters.</summary>
    public string UniqueIdentifier { get; }

    /// <summary>The optional human-readable name.</summary>
    public string? DisplayName { get; }

    /// <summary>The store this row was read from or written to.</summary>
    /// <remarks>Not part of the row's JSON: a row serializes as its columns only.</remarks>
    [JsonIgnore]
    public PortfolioStore Store { get; }

    /// <summary>
    /// Creates the portfolio when its unique identifier is absent; when it exists, sets its display
    /// name only if one is passed. Idempotent and safe to repeat: a null display name means "not given", never "clear".
    /// </summary>
    /// <remarks>
    /// One statement, so a concurrent add, update or delete cannot come between a read and a write.
    /// To clear the display name, say so: <see cref="UpdateAsync(PortfolioStore, PortfolioRef, PortfolioChanges, CancellationToken)"/>,
    /// or <see cref="UpsertAsync"/>, which sets exactly the value given.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uniqueIdentifier">The natural key; trimmed.</param>
    /// <param name="displayName">The display name; when null, a new portfolio has none and an existing one keeps its own.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The row as stored; adding the same identifier twice gives the same uid.</returns>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<Portfolio> AddAsync(PortfolioStore store, string uniqueIdentifier, string? displayName = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Portfolios.AddAsync(uniqueIdentifier, displayName, cancellationToken));

    /// <summary>Creates a portfolio; fails if the unique identifier (or the given uid) exists.</summary>
    /// <param name="store">The store.</param>
    /// <param name="uniqueIdentifier">The natural key; trimmed.</param>
    /// <param name="displayName">An optional display name.</param>
    /// <param name="uid">The uid to use; by default a new time-ordered UUID (version 7).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="DuplicateKeyException">The unique identifier or uid is taken.</exception>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<Portfolio> CreateAsync(PortfolioStore store, string uniqueIdentifier, string? displayName = null, Guid? uid = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Portfolios.CreateAsync(uniqueIdentifier, displayName, uid, cancellationToken));

    /// <summary>Inserts the portfolio, or updates the display name of the one with this unique identifier; one statement.</summary>
    /// <param name="store">The store.</param>
    /// <param name="uniqueIdentifier">The natural key; trimmed.</param>
    /// <param name="displayName">The display name the row ends with (null clears it).</param>
    /// <param name="uid">The uid to use if the row is inserted; by default a new time-ordered UUID. An existing row keeps its uid.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<Portfolio> UpsertAsync(PortfolioStore store, string uniqueIdentifier, string? displayName = null, Guid? uid = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Portfolios.UpsertAsync(uniqueIdentifier, displayName, uid, cancellationToken));

    /// <summary>Changes the fields set in <paramref name="changes"/>.</summary>
    /// <returns>The updated row.</returns>
    /// <exception cref="RowNotFoundException">No such portfolio.</exception>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<Portfolio> UpdateAsync(PortfolioStore store, PortfolioRef portfolio, PortfolioChanges changes, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Portfolios.UpdateAsync(portfolio, changes, cancellationToken));

    /// <summary>Deletes a portfolio; the database deletes its memberships with it, and its groups remain.</summary>
    /// <returns>Whether a portfolio was deleted (false when there was none).</returns>
    public static Task<bool> DeleteAsync(PortfolioStore store, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Portfolios.DeleteAsync(portfolio, cancellationToken);

    /// <summary>Reads a portfolio by uid or unique identifier.</summary>
    /// <exception cref="RowNotFoundException">No such portfolio.</exception>
    public static Task<Portfolio> GetAsync(PortfolioStore store, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Portfolios.GetAsync(portfolio, cancellationToken));

    /// <summary>Reads a portfolio by uid or unique identifier, or null when there is none.</summary>
    public static Task<Portfolio?> FindAsync(PortfolioStore store, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        FromOptional(store, PortfolioStore.Usable(store).Portfolios.FindAsync(portfolio, cancellationToken));

    /// <summary>Reads every portfolio a filter selects, in uid order.</summary>
    /// <remarks>
    /// Nothing is cut: the result holds every selected row, read in one statement (as
    /// <see cref="StreamAsync(PortfolioStore, PortfolioFilter?, CancellationToken)"/> reads them). For one page at a time use
    /// <see cref="FilterPageAsync(PortfolioStore, PortfolioFilter?, PageRequest, CancellationToken)"/>; to read any number of rows in constant memory, <see cref="StreamAsync(PortfolioStore, PortfolioFilter?, CancellationToken)"/>.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every portfolio.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Every selected portfolio, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static Task<IReadOnlyList<Portfolio>> FilterAsync(PortfolioStore store, PortfolioFilter? filter = null, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamAsync(store, filter, cancellationToken), cancellationToken);

    /// <summary>Reads one page of the portfolios a filter selects, in uid order.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every portfolio.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page; its rows are in <see cref="Page{T}.Items"/>.</returns>
    /// <exception cref="InvalidValueException">The filter or the page request is invalid, or the cursor belongs to another listing; the field is named.</exception>
    public static Task<Page<Portfolio>> FilterPageAsync(PortfolioStore store, PortfolioFilter? filter, PageRequest page, CancellationToken cancellationToken = default) =>
        FromPage(store, PortfolioStore.Usable(store).Portfolios.FilterPageAsync(filter, page, cancellationToken));

    /// <summary>Changes this portfolio's fields set in <paramref name="changes"/>.</summary>
    /// <returns>The updated row; this instance is unchanged.</returns>
    public Task<Portfolio> UpdateAsync(PortfolioChanges changes, CancellationToken cancellationToken = default) =>
        From(Store, PortfolioStore.Usable(Store).Portfolios.UpdateAsync(this, changes, cancellationToken));

    /// <summary>Deletes this portfolio and its memberships; its groups remain.</summary>
    /// <returns>Whether it was deleted (false if it was already gone).</returns>
    public Task<bool> DeleteAsync(CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(Store).Portfolios.DeleteAsync(this, cancellationToken);

    /// <summary>Reads every group this portfolio belongs to, in group uid order.</summary>
    /// <returns>Every group of the portfolio; nothing is cut.</returns>
    /// <exception cref="RowNotFoundException">This portfolio no longer exists.</exception>
    public Task<IReadOnlyList<PortfolioGroup>> GetGroupsAsync(CancellationToken cancellationToken = default) =>
        PortfolioGroup.GetGroupsForPortfolioAsync(Store, this, cancellationToken);

    /// <summary>Reads one page of the groups this portfolio belongs to, in group uid order.</summary>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RowNotFoundException">This portfolio no longer exists.</exception>
    /// <exception cref="InvalidValueException">The page request is invalid, or the cursor belongs to another listing.</exception>
    public Task<Page<PortfolioGroup>> GetGroupsPageAsync(PageRequest page, CancellationToken cancellationToken = default) =>
        PortfolioGroup.GetGroupsForPortfolioPageAsync(Store, this, page, cancellationToken);

    /// <inheritdoc />
    public bool Equals(Portfolio? other) =>
        other is not null && Uid == other.Uid && UniqueIdentifier == other.UniqueIdentifier && DisplayName == other.DisplayName;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Portfolio);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, UniqueIdentifier, DisplayName);

    /// <inheritdoc />
    public override string ToString() => DisplayName is null ? UniqueIdentifier : $"{UniqueIdentifier} ({DisplayName})";

    /// <summary>The row of a record the services return, bound to the store.</summary>
    internal static Task<Portfolio> From(PortfolioStore store, Task<PortfolioRecord> record) => RowBinding.One(record, store, static (s, r) => new Portfolio(s, r));

    internal static Task<Portfolio?> FromOptional(PortfolioStore store, Task<PortfolioRecord?> record) => RowBinding.Optional(record, store, static (s, r) => new Portfolio(s, r));

    internal static Task<Page<Portfolio>> FromPage(PortfolioStore store, Task<Page<PortfolioRecord>> page) => RowBinding.Page(page, r => new Portfolio(store, r));

}
