using PortfolioGroups.Repositories;

namespace PortfolioGroups.Services;

/// <summary>Portfolio set queries: the group conditions of a filter, and the streamed filter.</summary>
internal sealed partial class PortfolioService
{
    /// <summary>Every portfolio a filter selects, in uid order, streamed; the filter is checked before anything runs.</summary>
    public IAsyncEnumerable<PortfolioRecord> StreamAsync(PortfolioFilter? filter, CancellationToken cancellationToken)
    {
        filter ??= new PortfolioFilter();
        var keys = Guard.Keys(filter.Uids, filter.UniqueIdentifiers, "filter.Uids", "filter.UniqueIdentifiers");
        var search = Guard.OptionalText(filter.Search, "filter.Search");
        return portfolios.StreamAsync(keys, search, GroupConditionsOf(filter), cancellationToken);
    }

    /// <summary>
    /// The group conditions of a filter, checked, with the empty collections read by set logic:
    /// "in all of none" holds for everyone and "in none of none" excludes no one (both dropped),
    /// "in any of none" holds for no one (kept, empty).
    /// </summary>
    private static GroupConditions GroupConditionsOf(PortfolioFilter filter)
    {
        var all = Guard.Keys(filter.InAllGroups, g => Guard.Key(g, "filter.InAllGroups"));
        var any = Guard.Keys(filter.InAnyGroup, g => Guard.Key(g, "filter.InAnyGroup"));
        var none = Guard.Keys(filter.NotInGroups, g => Guard.Key(g, "filter.NotInGroups"));
        return new GroupConditions(all.IsEmpty ? KeySet.NotGiven : all, any, none.IsEmpty ? KeySet.NotGiven : none);
    }
}
