using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The rules behind <c>Portfolio</c>'s helpers: validation, key resolution, not-found errors.</summary>
internal sealed partial class PortfolioService(PortfolioRepository portfolios)
{
    public Task<PortfolioRecord> CreateAsync(string uniqueIdentifier, string? displayName, Guid? uid, CancellationToken cancellationToken) =>
        InsertAsync(uniqueIdentifier, displayName, uid, InsertMode.Create, cancellationToken);

    public Task<PortfolioRecord> UpsertAsync(string uniqueIdentifier, string? displayName, Guid? uid, CancellationToken cancellationToken) =>
        InsertAsync(uniqueIdentifier, displayName, uid, InsertMode.Upsert, cancellationToken);

    /// <summary>Creates the portfolio, or sets the display name of the existing one only when one is given.</summary>
    public Task<PortfolioRecord> AddAsync(string uniqueIdentifier, string? displayName, CancellationToken cancellationToken) =>
        InsertAsync(uniqueIdentifier, displayName, uid: null, InsertMode.Add, cancellationToken);

    private Task<PortfolioRecord> InsertAsync(string uniqueIdentifier, string? displayName, Guid? uid, InsertMode mode, CancellationToken cancellationToken)
    {
        ThrowIfHostOwned(mode switch { InsertMode.Upsert => "upsert", InsertMode.Add => "add", _ => "create" });
        var identifier = Guard.UniqueIdentifier(Guard.NotNull(uniqueIdentifier), nameof(uniqueIdentifier));
        var name = Guard.OptionalDisplayName(displayName, nameof(displayName));
        var newUid = uid is { } given ? Guard.Uid(given, nameof(uid)) : Guid.CreateVersion7();
        return portfolios.InsertAsync(newUid, identifier, name, mode, cancellationToken);
    }

    public async Task<PortfolioRecord> UpdateAsync(PortfolioRef portfolio, PortfolioChanges changes, CancellationToken cancellationToken)
    {
        ThrowIfHostOwned("update");
        var key = Guard.Key(portfolio, nameof(portfolio));
        Guard.NotNull(changes);
        if (!changes.DisplayName.IsSet)
        {
            return await GetAsync(portfolio, cancellationToken).ConfigureAwait(false);
        }

        var displayName = Guard.OptionalDisplayName(changes.DisplayName.Value, "changes.DisplayName");
        return await portfolios.UpdateAsync(key, displayName, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioRepository.Table);
    }

    public async Task<bool> DeleteAsync(PortfolioRef portfolio, CancellationToken cancellationToken)
    {
        ThrowIfHostOwned("delete");
        return await portfolios.DeleteAsync(Guard.Key(portfolio, nameof(portfolio)), cancellationToken).ConfigureAwait(false) > 0;
    }

    /// <summary>
    /// Refuses a portfolio write when the portfolios are a host's table (<see cref="PortfolioTable.Existing"/>):
    /// the host owns those rows, and the library only reads them.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store maps a host's portfolio table.</exception>
    public void ThrowIfHostOwned(string operation)
    {
        if (portfolios.HostTable is { } table)
        {
            throw new InvalidOperationException(
                $"Cannot {operation} portfolios: this store reads them from the host's table {table} (PortfolioTable.Existing), "
                + "which the host application owns and writes. Write that table with the host's own code; the library only reads it.");
        }
    }

    public async Task<PortfolioRecord> GetAsync(PortfolioRef portfolio, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        return await portfolios.FindAsync(key, cancellationToken).ConfigureAwait(false)
               ?? throw key.NotFound(PortfolioRepository.Table);
    }

    public Task<PortfolioRecord?> FindAsync(PortfolioRef portfolio, CancellationToken cancellationToken) =>
        portfolios.FindAsync(Guard.Key(portfolio, nameof(portfolio)), cancellationToken);

    public Task<Page<PortfolioRecord>> FilterPageAsync(PortfolioFilter? filter, PageRequest page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioFilter();
        var keys = Guard.Keys(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.OptionalText(filter.Search, "filter.Search");
        var groups = GroupConditionsOf(filter);
        var listing = Listing.Of(ListingKind.Portfolios).Add(keys).Add(search).Add(groups.All).Add(groups.Any).Add(groups.None).Build();
        return portfolios.FilterAsync(keys, search, groups, Guard.Page(page, listing), cancellationToken);
    }
}
