using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The offset pages of group listings: the filter's rules, and a missing parent told apart from an empty listing.</summary>
internal sealed partial class PortfolioGroupService
{
    public Task<OffsetPage<PortfolioGroupRecord>> FilterPageAsync(PortfolioGroupFilter? filter, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupFilter();
        var keys = Guard.Keys(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.SearchText(filter.Search, "filter.Search");
        var displayName = Guard.OptionalText(filter.DisplayName, "filter.DisplayName");
        return groups.FilterPageAsync(keys, search, displayName, Guard.OffsetPage(page), cancellationToken);
    }
}

/// <summary>The offset pages of the listings through memberships.</summary>
internal sealed partial class MembershipService
{
    public async Task<OffsetPage<PortfolioRecord>> PortfoliosOfGroupPageAsync(PortfolioGroupRef group, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        var key = Guard.Key(group, nameof(group));
        var (result, exists) = await memberships.PortfoliosOfGroupPageAsync(key, Guard.OffsetPage(page), cancellationToken).ConfigureAwait(false);
        return exists ? result : throw key.NotFound(PortfolioGroupRepository.Table);
    }

    public async Task<OffsetPage<PortfolioGroupRecord>> GroupsOfPortfolioPageAsync(PortfolioRef portfolio, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        var key = Guard.Key(portfolio, nameof(portfolio));
        var (result, exists) = await memberships.GroupsOfPortfolioPageAsync(key, Guard.OffsetPage(page), cancellationToken).ConfigureAwait(false);
        return exists ? result : throw key.NotFound(PortfolioRepository.Table);
    }

    /// <summary>The union delete: memberships by uid, and those in the scope; a side of the scope left null is not restricted, a scope left null adds nothing.</summary>
    public async Task<int> BulkDeleteAsync(IEnumerable<Guid> uids, PortfolioGroupMembershipScope? scope, CancellationToken cancellationToken)
    {
        var uidKeys = Guard.Keys(Guard.NotNull(uids), null, nameof(uids), nameof(uids));
        if (scope is null || (scope.Groups is null && scope.Portfolios is null))
        {
            return uidKeys.IsEmpty ? 0 : await memberships.BulkDeleteAsync(uidKeys, cancellationToken).ConfigureAwait(false);
        }

        var groupKeys = Guard.Keys(scope.Groups, g => Guard.Key(g, "scope.Groups"));
        var portfolioKeys = Guard.Keys(scope.Portfolios, p => Guard.Key(p, "scope.Portfolios"));
        if ((groupKeys.IsGiven && groupKeys.IsEmpty) || (portfolioKeys.IsGiven && portfolioKeys.IsEmpty))
        {
            // The scope selects nothing: only the uids remain.
            return uidKeys.IsEmpty ? 0 : await memberships.BulkDeleteAsync(uidKeys, cancellationToken).ConfigureAwait(false);
        }

        return await memberships.BulkDeleteAsync(uidKeys, groupKeys, portfolioKeys, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>The offset pages of portfolio listings.</summary>
internal sealed partial class PortfolioService
{
    public Task<OffsetPage<PortfolioRecord>> FilterPageAsync(PortfolioFilter? filter, OffsetPageRequest? page, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioFilter();
        var keys = Guard.Keys(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.SearchText(filter.Search, "filter.Search");
        return portfolios.FilterPageAsync(keys, search, GroupConditionsOf(filter), Guard.OffsetPage(page), cancellationToken);
    }
}
