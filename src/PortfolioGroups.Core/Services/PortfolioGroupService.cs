using System.Text.Json;
using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The rules behind <see cref="PortfolioGroup"/>'s helpers: validation, key resolution, not-found errors, bulk deletes.</summary>
internal sealed class PortfolioGroupService(PortfolioRepository portfolios, PortfolioGroupRepository groups, MembershipRepository memberships)
{
    public Task<PortfolioGroup> InsertAsync(string uniqueIdentifier, string displayName, string? description, JsonElement? metadata, Guid? uid, bool upsert, CancellationToken cancellationToken)
    {
        var identifier = Guard.UniqueIdentifier(uniqueIdentifier, nameof(uniqueIdentifier));
        var name = Guard.DisplayName(displayName, nameof(displayName));
        var text = Guard.OptionalText(description, nameof(description));
        var json = Guard.Metadata(metadata, nameof(metadata));
        var newUid = uid is { } given ? Guard.Uid(given, nameof(uid)) : Guid.CreateVersion7();
        return groups.InsertAsync(newUid, identifier, name, text, json, upsert, cancellationToken);
    }

    public async Task<PortfolioGroup> UpdateAsync(PortfolioGroupRef group, PortfolioGroupChanges changes, CancellationToken cancellationToken)
    {
        var key = Key(group);
        Guard.NotNull(changes, nameof(changes));
        var displayName = changes.DisplayName.IsSet ? Change.To(Guard.DisplayName(changes.DisplayName.Value, "changes.DisplayName")) : default;
        var description = changes.Description.IsSet ? Change.To(Guard.OptionalText(changes.Description.Value, "changes.Description")) : default;
        var metadata = changes.Metadata.IsSet ? Change.To(Guard.Metadata(changes.Metadata.Value, "changes.Metadata")) : default;
        return await groups.UpdateAsync(key, displayName, description, metadata, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioGroupRepository.Table);
    }

    public async Task<bool> DeleteAsync(PortfolioGroupRef group, CancellationToken cancellationToken) =>
        await groups.DeleteAsync(Key(group), cancellationToken).ConfigureAwait(false) > 0;

    public async Task<PortfolioGroup> GetAsync(PortfolioGroupRef group, CancellationToken cancellationToken)
    {
        var key = Key(group);
        return await groups.FindAsync(key, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioGroupRepository.Table);
    }

    public Task<PortfolioGroup?> FindAsync(PortfolioGroupRef group, CancellationToken cancellationToken) =>
        groups.FindAsync(Key(group), cancellationToken);

    public Task<Page<PortfolioGroup>> FilterAsync(PortfolioGroupFilter? filter, PageRequest? page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupFilter();
        var keys = KeySet.From(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.OptionalText(filter.Search, "filter.Search");
        return groups.FilterAsync(keys, search, PageQuery.From(page), cancellationToken);
    }

    public async Task<int> BulkDeleteAsync(IEnumerable<Guid>? uids, IEnumerable<string>? uniqueIdentifiers, CancellationToken cancellationToken)
    {
        if (uids is null && uniqueIdentifiers is null)
        {
            throw new InvalidValueException("uids, uniqueIdentifiers", "name no group; pass uids and/or unique identifiers (a bulk delete never means \"everything\").");
        }

        var keys = KeySet.From(uids, uniqueIdentifiers, nameof(uids), nameof(uniqueIdentifiers));
        return keys.IsEmpty ? 0 : await groups.BulkDeleteAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    public async Task<bool> RemovePortfolioAsync(PortfolioGroupRef group, PortfolioRef portfolio, CancellationToken cancellationToken)
    {
        var groupKey = Key(group);
        var portfolioKey = portfolio.ToKey(nameof(portfolio));
        return await memberships.RemoveAsync(groupKey, portfolioKey, cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>The portfolios of a group; an empty page is told apart from a missing group by a second read.</summary>
    public async Task<Page<Portfolio>> GetPortfoliosAsync(PortfolioGroupRef group, PageRequest? page, CancellationToken cancellationToken)
    {
        var key = Key(group);
        var result = await portfolios.InGroupAsync(key, PageQuery.From(page), cancellationToken).ConfigureAwait(false);
        if (result.Count == 0 && await groups.FindAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw key.NotFound(PortfolioGroupRepository.Table);
        }

        return result;
    }

    internal static RowKey Key(PortfolioGroupRef group) => group.ToKey("group");
}
