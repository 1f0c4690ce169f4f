using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>The streamed group filter.</summary>
internal sealed partial class PortfolioGroupService
{
    /// <summary>Every group a filter selects, in uid order, streamed; the filter is checked before anything runs.</summary>
    public IAsyncEnumerable<PortfolioGroupRecord> StreamAsync(PortfolioGroupFilter? filter, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioGroupFilter();
        var keys = Guard.Keys(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.OptionalText(filter.Search, "filter.Search");
        var displayName = Guard.OptionalText(filter.DisplayName, "filter.DisplayName");
        return groups.StreamAsync(keys, search, displayName, cancellationToken);
    }
}
