using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The <c>portfolio_group</c> table's offset pages.</summary>
internal sealed partial class PortfolioGroupRepository
{
    /// <summary>Ordering of the group listing: display name, then unique identifier, ignoring case, then uid.</summary>
    private string ListOrder(string alias) => $"{db.SortText(alias + "display_name")}, {db.SortText(alias + "unique_identifier")}, {alias}uid";

    /// <summary>One offset page of the groups a filter selects, with their number, in one statement.</summary>
    public async Task<OffsetPage<PortfolioGroupRecord>> FilterPageAsync(KeySet keys, string? search, string? displayName, OffsetQuery page, CancellationToken cancellationToken)
    {
        var (from, joined) = Selection.FilterFrom(db, keys, db.Group, "g");
        var where = Selection.NamedOrSearched(db, keys, db.Group, null, displayName, joined) + (search is null ? "" : " AND " + OffsetPageSql.Searched(db, "g."));
        var sql = OffsetPageSql.Build(
            $"SELECT {Columns("g.")} FROM {from} WHERE {where}",
            $"SELECT count(*) FROM {from} WHERE {where}",
            Columns,
            ListOrder,
            parent: null);
        var rows = await db.RunAsync(
            "portfolio_group.filter_page",
            ErrorContext.Read,
            c => c.QueryAsync<CountedGroupRecord>(sql, new
            {
                uids = Selection.Uids(db, keys),
                ids = Selection.Ids(db, keys),
                search = search is null ? null : db.SearchValue(search),
                displayName,
                limit = page.Limit,
                offset = page.Offset,
            }),
            cancellationToken).ConfigureAwait(false);
        return OffsetPageSql.ToPage(rows, page, r => r.TotalCount, r => r.Row);
    }
}
