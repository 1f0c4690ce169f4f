using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>The offset pages that list through the membership table: a group's portfolios, a portfolio's groups.</summary>
internal sealed partial class MembershipRepository
{
    /// <summary>One offset page of a group's portfolios (unique identifier ignoring case, then uid), their number, and whether the group exists; one statement.</summary>
    public async Task<(OffsetPage<PortfolioRecord> Page, bool GroupExists)> PortfoliosOfGroupPageAsync(RowKey group, OffsetQuery page, CancellationToken cancellationToken)
    {
        var groupUid = $"(SELECT uid FROM {db.Group} WHERE {group.Column} = @group)";
        var sql = OffsetPageSql.Build(
            $"SELECT {PortfolioRepository.Columns("p.")} FROM {db.Membership} m JOIN {db.Portfolio} p ON p.uid = m.portfolio_uid WHERE m.portfolio_group_uid = {groupUid}",
            $"SELECT count(*) FROM {db.Membership} m WHERE m.portfolio_group_uid = {groupUid}",
            PortfolioRepository.Columns,
            a => $"{db.SortText(a + "unique_identifier")}, {a}uid",
            $"(SELECT count(*) FROM {db.Group} WHERE {group.Column} = @group)");
        var rows = (await db.RunAsync(
            "portfolio_group.portfolios_page",
            ErrorContext.Read,
            c => c.QueryAsync<CountedPortfolioRecord>(sql, new { group = group.Value(db), limit = page.Limit, offset = page.Offset }),
            cancellationToken).ConfigureAwait(false)).ToList();
        return (OffsetPageSql.ToPage(rows, page, r => r.TotalCount, r => r.Row), rows.Count > 0 && rows[0].ParentCount > 0);
    }

    /// <summary>One offset page of a portfolio's groups (display name ignoring case, then uid), their number, and whether the portfolio exists; one statement.</summary>
    public async Task<(OffsetPage<PortfolioGroupRecord> Page, bool PortfolioExists)> GroupsOfPortfolioPageAsync(RowKey portfolio, OffsetQuery page, CancellationToken cancellationToken)
    {
        var portfolioUid = $"(SELECT uid FROM {db.Portfolio} pt WHERE {portfolio.Column} = @portfolio)";
        var sql = OffsetPageSql.Build(
            $"SELECT {PortfolioGroupRepository.Columns("g.")} FROM {db.Membership} m JOIN {db.Group} g ON g.uid = m.portfolio_group_uid WHERE m.portfolio_uid = {portfolioUid}",
            $"SELECT count(*) FROM {db.Membership} m WHERE m.portfolio_uid = {portfolioUid}",
            PortfolioGroupRepository.Columns,
            a => $"{db.SortText(a + "display_name")}, {a}uid",
            $"(SELECT count(*) FROM {db.Portfolio} pt WHERE {portfolio.Column} = @portfolio)");
        var rows = (await db.RunAsync(
            "portfolio.groups_page",
            ErrorContext.Read,
            c => c.QueryAsync<CountedGroupRecord>(sql, new { portfolio = portfolio.Value(db), limit = page.Limit, offset = page.Offset }),
            cancellationToken).ConfigureAwait(false)).ToList();
        return (OffsetPageSql.ToPage(rows, page, r => r.TotalCount, r => r.Row), rows.Count > 0 && rows[0].ParentCount > 0);
    }

    /// <summary>
    /// Deletes the memberships named by uid together with those in a scope (a side not given is
    /// not restricted), in one statement: the union, each membership once.
    /// </summary>
    public Task<int> BulkDeleteAsync(KeySet uids, KeySet groups, KeySet portfolios, CancellationToken cancellationToken)
    {
        var sql = db.DeleteJoined(
            db.Membership,
            $"(SELECT t.uid FROM {db.KeyRows("@uids", "k")} JOIN {db.Membership} t ON t.uid = k.value "
            + $"UNION SELECT uid FROM {db.Membership} WHERE {Selection.InScope(db, groups, portfolios)})");
        return db.RunAsync(
            "portfolio_group_membership.bulk_delete",
            new ErrorContext(Table),
            c => c.ExecuteAsync(sql, new
            {
                uids = Selection.Uids(db, uids) ?? db.UidSet(Array.Empty<Guid>()),
                groupUids = Selection.Uids(db, groups),
                groupIds = Selection.Ids(db, groups),
                portfolioUids = Selection.Uids(db, portfolios),
                portfolioIds = Selection.Ids(db, portfolios),
            }),
            cancellationToken);
    }
}
