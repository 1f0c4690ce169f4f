using System.Text.Json;
using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The rules behind <c>PortfolioGroup</c>'s own helpers: validation, key resolution, not-found errors, bulk deletes. Memberships are <see cref="MembershipService"/>'s.</summary>
internal sealed partial class PortfolioGroupService(PortfolioGroupRepository groups)
{
    public Task<PortfolioGroupRecord> CreateAsync(string uniqueIdentifier, string displayName, string? description, JsonElement? metadata, Guid? uid, CancellationToken cancellationToken) =>
        InsertAsync(uniqueIdentifier, displayName, description, metadata, uid, InsertMode.Create, cancellationToken);

    public Task<PortfolioGroupRecord> UpsertAsync(string uniqueIdentifier, string displayName, string? description, JsonElement? metadata, Guid? uid, CancellationToken cancellationToken) =>
        InsertAsync(uniqueIdentifier, displayName, description, metadata, uid, InsertMode.Upsert, cancellationToken);

    /// <summary>Creates the group, or changes only the fields given (non-null) of the existing one.</summary>
    public Task<PortfolioGroupRecord> AddAsync(string uniqueIdentifier, string? displayName, string? description, JsonElement? metadata, CancellationToken cancellationToken) =>
        InsertAsync(uniqueIdentifier, displayName, description, metadata, uid: null, InsertMode.Add, cancellationToken);

    /// <summary>
    /// Inserts a group. For <see cref="InsertMode.Add"/> the display name may be null ("not given":
    /// a new group takes its unique identifier, an existing one keeps its own); for the other modes it is required.
    /// </summary>
    private Task<PortfolioGroupRecord> InsertAsync(string uniqueIdentifier, string? displayName, string? description, JsonElement? metadata, Guid? uid, InsertMode mode, CancellationToken cancellationToken)
    {
        var identifier = Guard.UniqueIdentifier(Guard.NotNull(uniqueIdentifier), nameof(uniqueIdentifier));
        var given = mode == InsertMode.Add && displayName is null ? null : Guard.DisplayName(Guard.NotNull(displayName), nameof(displayName));
        var text = Guard.OptionalText(description, nameof(description));
        var json = Guard.Metadata(metadata, nameof(metadata));
        var newUid = uid is { } u ? Guard.Uid(u, nameof(uid)) : Guid.CreateVersion7();
        return groups.InsertAsync(newUid, identifier, given ?? identifier, given, text, json, mode, cancellationToken);
    }

    public async Task<PortfolioGroupRecord> UpdateAsync(PortfolioGroupRef group, PortfolioGroupChanges changes, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        Guard.NotNull(changes);
        if (!changes.DisplayName.IsSet && !changes.Description.IsSet && !changes.Metadata.IsSet)
        {
            return await GetAsync(group, cancellationToken).ConfigureAwait(false);
        }

        var displayName = changes.DisplayName.IsSet ? Change.To(Guard.DisplayName(changes.DisplayName.Value, "changes.DisplayName")) : default;
        var description = changes.Description.IsSet ? Change.To(Guard.OptionalText(changes.Description.Value, "changes.Description")) : default;
        var metadata = changes.Metadata.IsSet ? Change.To(Guard.Metadata(changes.Metadata.Value, "changes.Metadata")) : default;
        return await groups.UpdateAsync(key, displayName, description, metadata, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioGroupRepository.Table);
    }

    public async Task<bool> DeleteAsync(PortfolioGroupRef group, CancellationToken cancellationToken) =>
        await groups.DeleteAsync(Guard.Key(group, nameof(group)), cancellationToken).ConfigureAwait(false) > 0;

    public async Task<PortfolioGroupRecord> GetAsync(PortfolioGroupRef group, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        return await groups.FindAsync(key, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioGroupRepository.Table);
    }

    public Task<PortfolioGroupRecord?> FindAsync(PortfolioGroupRef group, CancellationToken cancellationToken) =>
        groups.FindAsync(Guard.Key(group, nameof(group)), cancellationToken);

    public Task<Page<PortfolioGroupRecord>> FilterPageAsync(PortfolioGroupFilter? filter, PageRequest page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupFilter();
        var keys = Guard.Keys(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.OptionalText(filter.Search, "filter.Search");
        var displayName = Guard.OptionalText(filter.DisplayName, "filter.DisplayName");
        var listing = Listing.Of(ListingKind.Groups).Add(keys).Add(search).Add(displayName).Build();
        return groups.FilterAsync(keys, search, displayName, Guard.Page(page, listing), cancellationToken);
    }

    public async Task<int> BulkDeleteAsync(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, CancellationToken cancellationToken)
    {
        var keys = Guard.DeleteKeys(uids, uniqueIdentifiers, "group");
        return keys.IsEmpty ? 0 : await groups.BulkDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
    }
}
