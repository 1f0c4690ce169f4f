using System.Text.Json;
using System.Text.Json.Serialization;
using PortfolioGroups.Repositories;

namespace PortfolioGroups;

/// <summary>
/// A portfolio group: a classification that portfolios belong to. Immutable: an update returns
/// the new row. The row remembers the store it came from, so it can update, delete, and add,
/// remove and list its portfolios itself.
/// </summary>
/// <remarks>
/// Groups do not own portfolios: deleting a group deletes only its memberships. Wherever a group
/// or a portfolio is named, a <see cref="PortfolioGroupRef"/> or <see cref="PortfolioRef"/>
/// accepts the row, its uid or its unique identifier.
/// </remarks>
public sealed partial class PortfolioGroup : IEquatable<PortfolioGroup>
{
    internal PortfolioGroup(PortfolioStore store, PortfolioGroupRecord record)
    {
        Store = store.RowOwner; // rows read in a transaction outlive it: bound to the parent store
        Uid = record.Uid;
        UniqueIdentifier = record.UniqueIdentifier;
        DisplayName = record.DisplayName;
        Description = record.Description;
        Metadata = record.Metadata;
    }

    /// <summary>The primary key.</summary>
    public Guid Uid { get; }

    /// <summary>The natural key: unique, case-sensitive, at most 255 characters.</summary>
    public string UniqueIdentifier { get; }

    /// <summary>The human-readable name.</summary>
    public string DisplayName { get; }

    /// <summary>An optional free-text description.</summary>
    public string? Description { get; }

    /// <summary>Optional caller-defined metadata: a JSON object, or null.</summary>
    public JsonElement? Metadata { get; }

    /// <summary>The store this row was read from or written to.</summary>
    /// <remarks>Not part of the row's JSON: a row serializes as its columns only.</remarks>
    [JsonIgnore]
    public PortfolioStore Store { get; }

    /// <summary>
    /// Creates the group when its unique identifier is absent; when it exists, changes only the
    /// fields passed. Idempotent and safe to repeat: a null argument means "not given", never "clear".
    /// </summary>
    /// <remarks>
    /// One statement (an insert whose conflict branch keeps each stored field not given), so a
    /// concurrent add, update or delete of the same group cannot come between a read and a write.
    /// <c>AddAsync(store, "crypto", "Crypto", description: "digital")</c> followed by
    /// <c>AddAsync(store, "crypto", "Crypto")</c> leaves the description "digital". To clear a
    /// field, say so: <see cref="UpdateAsync(PortfolioStore, PortfolioGroupRef, PortfolioGroupChanges, CancellationToken)"/>
    /// with a change set, or <see cref="UpsertAsync"/>, which sets exactly the values given.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="uniqueIdentifier">The natural key; trimmed.</param>
    /// <param name="displayName">The display name; when null, a new group takes its unique identifier and an existing one keeps its own.</param>
    /// <param name="description">The description; when null, a new group has none and an existing one keeps its own.</param>
    /// <param name="metadata">The metadata, a JSON object; when null, a new group has none and an existing one keeps its own.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The row as stored; adding the same identifier twice gives the same uid.</returns>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<PortfolioGroup> AddAsync(PortfolioStore store, string uniqueIdentifier, string? displayName = null, string? description = null, JsonElement? metadata = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Groups.AddAsync(uniqueIdentifier, displayName, description, metadata, cancellationToken));

    /// <summary>Creates a group; fails if the unique identifier (or the given uid) exists.</summary>
    /// <param name="store">The store.</param>
    /// <param name="uniqueIdentifier">The natural key; trimmed.</param>
    /// <param name="displayName">The display name; required.</param>
    /// <param name="description">An optional description.</param>
    /// <param name="metadata">Optional metadata: a JSON object.</param>
    /// <param name="uid">The uid to use; by default a new time-ordered UUID (version 7).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="DuplicateKeyException">The unique identifier or uid is taken.</exception>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<PortfolioGroup> CreateAsync(PortfolioStore store, string uniqueIdentifier, string displayName, string? description = null, JsonElement? metadata = null, Guid? uid = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Groups.CreateAsync(uniqueIdentifier, displayName, description, metadata, uid, cancellationToken));

    /// <summary>
    /// Inserts the group, or, when its unique identifier exists, sets that group's display name,
    /// description and metadata to the values given (null clears them); one statement.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <param name="uniqueIdentifier">The natural key; trimmed.</param>
    /// <param name="displayName">The display name; required.</param>
    /// <param name="description">The description the row ends with.</param>
    /// <param name="metadata">The metadata the row ends with: a JSON object, or null.</param>
    /// <param name="uid">The uid to use if the row is inserted; an existing row keeps its uid.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<PortfolioGroup> UpsertAsync(PortfolioStore store, string uniqueIdentifier, string displayName, string? description = null, JsonElement? metadata = null, Guid? uid = null, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Groups.UpsertAsync(uniqueIdentifier, displayName, description, metadata, uid, cancellationToken));

    /// <summary>Changes the fields set in <paramref name="changes"/>: display name, description, metadata.</summary>
    /// <returns>The updated row.</returns>
    /// <exception cref="RowNotFoundException">No such group.</exception>
    /// <exception cref="InvalidValueException">An argument is invalid; the field is named.</exception>
    public static Task<PortfolioGroup> UpdateAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioGroupChanges changes, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Groups.UpdateAsync(group, changes, cancellationToken));

    /// <summary>Deletes a group; the database deletes its memberships with it, and its portfolios remain.</summary>
    /// <returns>Whether a group was deleted (false when there was none).</returns>
    public static Task<bool> DeleteAsync(PortfolioStore store, PortfolioGroupRef group, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Groups.DeleteAsync(group, cancellationToken);

    /// <summary>Reads a group by uid or unique identifier.</summary>
    /// <exception cref="RowNotFoundException">No such group.</exception>
    public static Task<PortfolioGroup> GetAsync(PortfolioStore store, PortfolioGroupRef group, CancellationToken cancellationToken = default) =>
        From(store, PortfolioStore.Usable(store).Groups.GetAsync(group, cancellationToken));

    /// <summary>Reads a group by uid or unique identifier, or null when there is none.</summary>
    public static Task<PortfolioGroup?> FindAsync(PortfolioStore store, PortfolioGroupRef group, CancellationToken cancellationToken = default) =>
        FromOptional(store, PortfolioStore.Usable(store).Groups.FindAsync(group, cancellationToken));

    /// <summary>Reads every group a filter selects, in uid order.</summary>
    /// <remarks>
    /// Nothing is cut: the result holds every selected row, read in one statement (as
    /// <see cref="StreamAsync"/> reads them). For one page at a time use <see cref="FilterPageAsync"/>.
    /// </remarks>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every group.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>Every selected group, in uid order.</returns>
    /// <exception cref="InvalidValueException">The filter is invalid; the field is named.</exception>
    public static Task<IReadOnlyList<PortfolioGroup>> FilterAsync(PortfolioStore store, PortfolioGroupFilter? filter = null, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamAsync(store, filter, cancellationToken), cancellationToken);

    /// <summary>Reads one page of the groups a filter selects, in uid order.</summary>
    /// <param name="store">The store.</param>
    /// <param name="filter">What to select; null selects every group.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The page; its rows are in <see cref="Page{T}.Items"/>.</returns>
    /// <exception cref="InvalidValueException">The filter or the page request is invalid, or the cursor belongs to another listing; the field is named.</exception>
    public static Task<Page<PortfolioGroup>> FilterPageAsync(PortfolioStore store, PortfolioGroupFilter? filter, PageRequest page, CancellationToken cancellationToken = default) =>
        FromPage(store, PortfolioStore.Usable(store).Groups.FilterPageAsync(filter, page, cancellationToken));

    /// <summary>
    /// Deletes many groups, named by uids and/or unique identifiers, in one statement and one
    /// transaction; the database deletes their memberships, and their portfolios remain.
    /// </summary>
    /// <remarks>
    /// Any number of keys is one statement (the keys travel as one array parameter). A group named
    /// twice (say by uid and by identifier) is deleted once; unknown keys are ignored.
    /// Empty collections delete nothing and return 0.
    /// </remarks>
    /// <returns>The number of groups deleted.</returns>
    /// <exception cref="InvalidValueException">Both arguments are null (the call names nothing), or a key is invalid.</exception>
    public static Task<int> BulkDeleteAsync(PortfolioStore store, IEnumerable<Guid>? uids = null, IEnumerable<string>? uniqueIdentifiers = null, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Groups.BulkDeleteAsync(uids, uniqueIdentifiers, cancellationToken);

    /// <summary>Puts a portfolio in a group. Idempotent: an existing membership is returned as is.</summary>
    /// <returns>The membership.</returns>
    /// <exception cref="RowNotFoundException">The group or the portfolio does not exist.</exception>
    public static Task<PortfolioGroupMembership> AddPortfolioAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        PortfolioGroupMembership.From(store, PortfolioStore.Usable(store).Memberships.AddAsync(group, portfolio, uid: null, failIfExists: false, cancellationToken));

    /// <summary>Takes a portfolio out of a group; both remain.</summary>
    /// <returns>Whether a membership was deleted: false when there was none (or the group or the portfolio does not exist).</returns>
    public static Task<bool> RemovePortfolioAsync(PortfolioStore store, PortfolioGroupRef group, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(store).Memberships.RemoveAsync(group, portfolio, cancellationToken);

    /// <summary>Reads every portfolio in a group, in portfolio uid order.</summary>
    /// <remarks>Nothing is cut: one statement reads every member (as <see cref="StreamPortfoliosAsync(PortfolioStore, PortfolioGroupRef, CancellationToken)"/> does). For one page at a time use <see cref="GetPortfoliosPageAsync(PortfolioStore, PortfolioGroupRef, PageRequest, CancellationToken)"/>.</remarks>
    /// <returns>Every portfolio of the group.</returns>
    /// <exception cref="RowNotFoundException">The group does not exist.</exception>
    public static Task<IReadOnlyList<Portfolio>> GetPortfoliosAsync(PortfolioStore store, PortfolioGroupRef group, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamPortfoliosAsync(store, group, cancellationToken), cancellationToken);

    /// <summary>Reads one page of the portfolios in a group, in portfolio uid order.</summary>
    /// <param name="store">The store.</param>
    /// <param name="group">The group, by row, uid or unique identifier.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RowNotFoundException">The group does not exist.</exception>
    /// <exception cref="InvalidValueException">The page request is invalid, or the cursor belongs to another listing.</exception>
    public static Task<Page<Portfolio>> GetPortfoliosPageAsync(PortfolioStore store, PortfolioGroupRef group, PageRequest page, CancellationToken cancellationToken = default) =>
        Portfolio.FromPage(store, PortfolioStore.Usable(store).Memberships.PortfoliosOfGroupPageAsync(group, page, cancellationToken));

    /// <summary>Reads every group a portfolio belongs to, in group uid order.</summary>
    /// <remarks>Nothing is cut: one statement reads every group of the portfolio (as <see cref="StreamGroupsForPortfolioAsync(PortfolioStore, PortfolioRef, CancellationToken)"/> does).</remarks>
    /// <returns>Every group of the portfolio.</returns>
    /// <exception cref="RowNotFoundException">The portfolio does not exist.</exception>
    public static Task<IReadOnlyList<PortfolioGroup>> GetGroupsForPortfolioAsync(PortfolioStore store, PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        RowBinding.All(StreamGroupsForPortfolioAsync(store, portfolio, cancellationToken), cancellationToken);

    /// <summary>Reads one page of the groups a portfolio belongs to, in group uid order.</summary>
    /// <param name="store">The store.</param>
    /// <param name="portfolio">The portfolio, by row, uid or unique identifier.</param>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RowNotFoundException">The portfolio does not exist.</exception>
    /// <exception cref="InvalidValueException">The page request is invalid, or the cursor belongs to another listing.</exception>
    public static Task<Page<PortfolioGroup>> GetGroupsForPortfolioPageAsync(PortfolioStore store, PortfolioRef portfolio, PageRequest page, CancellationToken cancellationToken = default) =>
        FromPage(store, PortfolioStore.Usable(store).Memberships.GroupsOfPortfolioPageAsync(portfolio, page, cancellationToken));

    /// <summary>Changes this group's fields set in <paramref name="changes"/>.</summary>
    /// <returns>The updated row; this instance is unchanged.</returns>
    public Task<PortfolioGroup> UpdateAsync(PortfolioGroupChanges changes, CancellationToken cancellationToken = default) =>
        From(Store, PortfolioStore.Usable(Store).Groups.UpdateAsync(this, changes, cancellationToken));

    /// <summary>Deletes this group and its memberships; its portfolios remain.</summary>
    /// <returns>Whether it was deleted (false if it was already gone).</returns>
    public Task<bool> DeleteAsync(CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(Store).Groups.DeleteAsync(this, cancellationToken);

    /// <summary>Puts a portfolio in this group. Idempotent.</summary>
    public Task<PortfolioGroupMembership> AddPortfolioAsync(PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        PortfolioGroupMembership.From(Store, PortfolioStore.Usable(Store).Memberships.AddAsync(this, portfolio, uid: null, failIfExists: false, cancellationToken));

    /// <summary>Takes a portfolio out of this group.</summary>
    /// <returns>Whether a membership was deleted.</returns>
    public Task<bool> RemovePortfolioAsync(PortfolioRef portfolio, CancellationToken cancellationToken = default) =>
        PortfolioStore.Usable(Store).Memberships.RemoveAsync(this, portfolio, cancellationToken);

    /// <summary>Reads every portfolio in this group, in portfolio uid order; nothing is cut.</summary>
    /// <exception cref="RowNotFoundException">This group no longer exists.</exception>
    public Task<IReadOnlyList<Portfolio>> GetPortfoliosAsync(CancellationToken cancellationToken = default) =>
        GetPortfoliosAsync(Store, this, cancellationToken);

    /// <summary>Reads one page of the portfolios in this group, in portfolio uid order.</summary>
    /// <param name="page">Which page: <see cref="PageRequest.First"/>, then <see cref="Page{T}.Next"/> of the page before.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="RowNotFoundException">This group no longer exists.</exception>
    /// <exception cref="InvalidValueException">The page request is invalid, or the cursor belongs to another listing.</exception>
    public Task<Page<Portfolio>> GetPortfoliosPageAsync(PageRequest page, CancellationToken cancellationToken = default) =>
        GetPortfoliosPageAsync(Store, this, page, cancellationToken);

    /// <inheritdoc />
    public bool Equals(PortfolioGroup? other) =>
        other is not null && Uid == other.Uid && UniqueIdentifier == other.UniqueIdentifier && DisplayName == other.DisplayName
        && Description == other.Description && MetadataEquals(Metadata, other.Metadata);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PortfolioGroup);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Uid, UniqueIdentifier, DisplayName, Description);

    /// <inheritdoc />
    public override string ToString() => $"{UniqueIdentifier} ({DisplayName})";

    // Compared as JSON, not as text: PostgreSQL's jsonb reorders keys, SQLite keeps the text as given.
    private static bool MetadataEquals(JsonElement? left, JsonElement? right) =>
        left is { } l ? right is { } r && JsonElement.DeepEquals(l, r) : right is null;

    /// <summary>The row of a record the services return, bound to the store.</summary>
    internal static Task<PortfolioGroup> From(PortfolioStore store, Task<PortfolioGroupRecord> record) => RowBinding.One(record, store, static (s, r) => new PortfolioGroup(s, r));

    internal static Task<PortfolioGroup?> FromOptional(PortfolioStore store, Task<PortfolioGroupRecord?> record) => RowBinding.Optional(record, store, static (s, r) => new PortfolioGroup(s, r));

    internal static Task<Page<PortfolioGroup>> FromPage(PortfolioStore store, Task<Page<PortfolioGroupRecord>> page) => RowBinding.Page(page, r => new PortfolioGroup(store, r));

}
