using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A group and the number of its memberships, as <see cref="MembershipRepository.CountPortfoliosAsync"/> reads it.</summary>
internal sealed record GroupCountRecord(Guid Uid, string UniqueIdentifier, long Members);

/// <summary>
/// One portfolio and one of its groups, as <see cref="MembershipRepository.GroupsOfPortfoliosAsync"/>
/// reads them: the group columns are null on the one row of a portfolio that has no group.
/// </summary>
internal sealed record PortfolioGroupPairRecord(
    Guid PortfolioUid,
    string PortfolioUniqueIdentifier,
    Guid? GroupUid,
    string? GroupUniqueIdentifier,
    string? DisplayName,
    string? Description,
    string? MetadataJson)
{
    /// <summary>The group, or null on the row of a portfolio without groups.</summary>
    public PortfolioGroupRecord? Group =>
        GroupUid is { } uid ? new PortfolioGroupRecord(uid, GroupUniqueIdentifier!, DisplayName!, Description, MetadataJson) : null;
}

/// <summary>The set queries that read through the membership table: counts per group, the groups of many portfolios, and the streamed listings.</summary>
internal sealed partial class MembershipRepository
{
    /// <summary>
    /// The member count of every group the set names (every group when not given), zero included,
    /// with the group's keys so the caller can tell which references named nothing. One statement.
    /// </summary>
    public async Task<IReadOnlyList<GroupCountRecord>> CountPortfoliosAsync(KeySet groups, CancellationToken cancellationToken)
    {
        // A correlated count reads only the named groups' index ranges; for all 1,000 groups of 1.1M
        // memberships it took 160-200 ms on PostgreSQL, a LEFT JOIN ... GROUP BY 520-590 ms.
        var from = !groups.IsGiven ? $"{db.Group} g"
            : Selection.NamedRows(db, groups, db.Group, "@uids", "@ids") is { } named ? $"{named} AS n JOIN {db.Group} g ON g.uid = n.uid"
            : $"{db.Group} g WHERE 1 = 0";
        var sql = $"SELECT g.uid, g.unique_identifier, (SELECT count(*) FROM {db.Membership} m WHERE m.portfolio_group_uid = g.uid) AS members "
                  + $"FROM {from}";
        var rows = await db.RunAsync(
            "portfolio_group.count_portfolios",
            ErrorContext.Read,
            c => c.QueryAsync<GroupCountRecord>(sql, new { uids = Selection.Uids(db, groups), ids = Selection.Ids(db, groups) }),
            cancellationToken).ConfigureAwait(false);
        return rows as IReadOnlyList<GroupCountRecord> ?? [.. rows];
    }

    /// <summary>
    /// Every portfolio the set names, each with each of its groups (one row with no group when it
    /// has none), in one statement; rows in no particular order.
    /// </summary>
    public async Task<IReadOnlyList<PortfolioGroupPairRecord>> GroupsOfPortfoliosAsync(KeySet portfolios, CancellationToken cancellationToken)
    {
        var sql = $"SELECT p.uid AS portfolio_uid, p.unique_identifier AS portfolio_unique_identifier, g.uid AS group_uid, g.unique_identifier AS group_unique_identifier, "
                  + "g.display_name, g.description, g.metadata_json "
                  + $"FROM {Selection.NamedRows(db, portfolios, db.Portfolio, "@uids", "@ids") ?? $"(SELECT uid FROM {db.Portfolio} WHERE 1 = 0)"} AS n "
                  + $"JOIN {db.Portfolio} p ON p.uid = n.uid LEFT JOIN {db.Membership} m ON m.portfolio_uid = p.uid LEFT JOIN {db.Group} g ON g.uid = m.portfolio_group_uid";
        var rows = await db.RunAsync(
            "portfolio.groups_of_many",
            ErrorContext.Read,
            c => c.QueryAsync<PortfolioGroupPairRecord>(sql, new { uids = Selection.Uids(db, portfolios), ids = Selection.Ids(db, portfolios) }),
            cancellationToken).ConfigureAwait(false);
        return rows as IReadOnlyList<PortfolioGroupPairRecord> ?? [.. rows];
    }

    /// <summary>Every membership a scope selects, in uid order, as the rows arrive.</summary>
    public IAsyncEnumerable<MembershipRecord> StreamAsync(KeySet groups, KeySet portfolios, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {Columns} FROM {db.Membership} WHERE {Selection.InScope(db, groups, portfolios)} ORDER BY uid";
        var parameters = Selection.ScopeParameters(db, groups, portfolios);
        return db.StreamAsync("portfolio_group_membership.stream", c => c.QueryUnbufferedAsync<MembershipRecord>(sql, parameters), cancellationToken);
    }

    /// <summary>Every portfolio of a group, in portfolio uid order, as the rows arrive; nothing when the group has none or does not exist.</summary>
    public IAsyncEnumerable<PortfolioRecord> StreamPortfoliosOfGroupAsync(RowKey group, CancellationToken cancellationToken)
    {
        // Named by uid, the group is a plain value: the planner sees which group (and, partitioned,
        // which partition) it reads, and plans for its size; a missing group has no memberships.
        var groupUid = group.IsUid ? "@group" : $"(SELECT uid FROM {db.Group} WHERE {group.Column} = @group)";
        var sql = $"SELECT {PortfolioRepository.Columns("p.")} FROM {db.Membership} m JOIN {db.Portfolio} p ON p.uid = m.portfolio_uid "
                  + $"WHERE m.portfolio_group_uid = {groupUid} ORDER BY m.portfolio_uid";
        var value = group.Value(db);
        if (PortfolioRepository.Reader(db) is { } read)
        {
            // The library's own portfolio table: each row read by position, as a plain reader does.
            return db.StreamAsync("portfolio_group.stream_portfolios", c => Database.ReadRowsAsync(c, sql, read, "group", value), cancellationToken);
        }

        return db.StreamAsync("portfolio_group.stream_portfolios", c => c.QueryUnbufferedAsync<PortfolioRecord>(sql, new { group = value }), cancellationToken);
    }

    /// <summary>Every group of a portfolio, in group uid order, as the rows arrive; nothing when it has none or does not exist.</summary>
    public IAsyncEnumerable<PortfolioGroupRecord> StreamGroupsOfPortfolioAsync(RowKey portfolio, CancellationToken cancellationToken)
    {
        var portfolioUid = portfolio.IsUid ? "@portfolio" : $"(SELECT uid FROM {db.Portfolio} pt WHERE {portfolio.Column} = @portfolio)";
        var sql = $"SELECT {PortfolioGroupRepository.Columns("g.")} FROM {db.Membership} m JOIN {db.Group} g ON g.uid = m.portfolio_group_uid "
                  + $"WHERE m.portfolio_uid = {portfolioUid} ORDER BY m.portfolio_group_uid";
        var value = portfolio.Value(db);
        var read = PortfolioGroupRepository.Reader(db);
        return db.StreamAsync("portfolio.stream_groups", c => Database.ReadRowsAsync(c, sql, read, "portfolio", value), cancellationToken);
    }
}
