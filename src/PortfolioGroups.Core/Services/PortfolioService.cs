using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The rules behind <see cref="Portfolio"/>'s helpers: validation, key resolution, not-found errors.</summary>
internal sealed class PortfolioService(PortfolioRepository portfolios, PortfolioGroupRepository groups)
{
    public Task<Portfolio> InsertAsync(string uniqueIdentifier, string? displayName, Guid? uid, bool upsert, CancellationToken cancellationToken)
    {
        var identifier = Guard.UniqueIdentifier(uniqueIdentifier, nameof(uniqueIdentifier));
        var name = Guard.OptionalDisplayName(displayName, nameof(displayName));
        var newUid = uid is { } given ? Guard.Uid(given, nameof(uid)) : Guid.CreateVersion7();
        return portfolios.InsertAsync(newUid, identifier, name, upsert, cancellationToken);
    }

    public async Task<Portfolio> UpdateAsync(PortfolioRef portfolio, PortfolioChanges changes, CancellationToken cancellationToken)
    {
        var key = Key(portfolio);
        Guard.NotNull(changes, nameof(changes));
        if (!changes.DisplayName.IsSet)
        {
            return await GetAsync(portfolio, cancellationToken).ConfigureAwait(false);
        }

        var displayName = Guard.OptionalDisplayName(changes.DisplayName.Value, "changes.DisplayName");
        return await portfolios.UpdateAsync(key, displayName, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioRepository.Table);
    }

    public async Task<bool> DeleteAsync(PortfolioRef portfolio, CancellationToken cancellationToken) =>
        await portfolios.DeleteAsync(Key(portfolio), cancellationToken).ConfigureAwait(false) > 0;

    public async Task<Portfolio> GetAsync(PortfolioRef portfolio, CancellationToken cancellationToken)
    {
        var key = Key(portfolio);
        return await portfolios.FindAsync(key, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioRepository.Table);
    }

    public Task<Portfolio?> FindAsync(PortfolioRef portfolio, CancellationToken cancellationToken) =>
        portfolios.FindAsync(Key(portfolio), cancellationToken);

    public Task<Page<Portfolio>> FilterAsync(PortfolioFilter? filter, PageRequest? page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioFilter();
        var keys = KeySet.From(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.OptionalText(filter.Search, "filter.Search");
        return portfolios.FilterAsync(keys, search, PageQuery.From(page), cancellationToken);
    }

    /// <summary>The groups of a portfolio; an empty page is told apart from a missing portfolio by a second read.</summary>
    public async Task<Page<PortfolioGroup>> GetGroupsAsync(PortfolioRef portfolio, PageRequest? page, CancellationToken cancellationToken)
    {
        var key = Key(portfolio);
        var result = await groups.OfPortfolioAsync(key, PageQuery.From(page), cancellationToken).ConfigureAwait(false);
        if (result.Count == 0 && await portfolios.FindAsync(key, cancellationToken).ConfigureAwait(false) is null)
        {
            throw key.NotFound(PortfolioRepository.Table);
        }

        return result;
    }

    internal static RowKey Key(PortfolioRef portfolio) => portfolio.ToKey("portfolio");
}
