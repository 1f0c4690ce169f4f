using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The <c>portfolio</c> table's offset pages.</summary>
internal sealed partial class PortfolioRepository
{
    /// <summary>One offset page of the portfolios a filter selects (unique identifier ignoring case, then uid), with their number, in one statement.</summary>
    public async Task<OffsetPage<PortfolioRecord>> FilterPageAsync(KeySet keys, string? search, GroupConditions groups, OffsetQuery page, CancellationToken cancellationToken)
    {
        var (from, joined) = Selection.FilterFrom(db, keys, db.Portfolio, "p");
        var inGroups = Selection.InGroups(db, groups, paged: false, named: joined);
        from += inGroups.Join;
        var where = Selection.NamedOrSearched(db, keys, db.Portfolio, null, joined: joined)
                    + (search is null ? "" : " AND " + OffsetPageSql.Searched(db, "p."))
                    + inGroups.Where;
        var sql = OffsetPageSql.Build(
            $"SELECT {Columns("p.")} FROM {from} WHERE {where}",
            $"SELECT count(*) FROM {from} WHERE {where}",
            Columns,
            a => $"{db.SortText(a + "unique_identifier")}, {a}uid",
            parent: null);
        var rows = await db.RunAsync(
            "portfolio.filter_page",
            ErrorContext.Read,
            c => c.QueryAsync<CountedPortfolioRecord>(sql, new
            {
                uids = Selection.Uids(db, keys),
                ids = Selection.Ids(db, keys),
                search = search is null ? null : db.SearchValue(search),
                allUids = Selection.Uids(db, groups.All),
                allIds = Selection.Ids(db, groups.All),
                allUidCount = groups.All.Uids?.Count ?? 0,
                allIdCount = groups.All.UniqueIdentifiers?.Count ?? 0,
                anyUids = Selection.Uids(db, groups.Any),
                anyIds = Selection.Ids(db, groups.Any),
                noneUids = Selection.Uids(db, groups.None),
                noneIds = Selection.Ids(db, groups.None),
                limit = page.Limit,
                offset = page.Offset,
            }),
            cancellationToken).ConfigureAwait(false);
        return OffsetPageSql.ToPage(rows, page, r => r.TotalCount, r => r.Row);
    }
}
