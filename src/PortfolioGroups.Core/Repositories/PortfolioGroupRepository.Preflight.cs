using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>What a bulk delete of groups would remove.</summary>
internal sealed record BulkDeleteCountRecord(long GroupCount, long MembershipCount);

/// <summary>The <c>portfolio_group</c> table's bulk-delete preflight.</summary>
internal sealed partial class PortfolioGroupRepository
{
    /// <summary>
    /// Counts the groups the set names and their memberships, in one statement (one snapshot),
    /// selecting the groups as <see cref="BulkDeleteAsync"/> does.
    /// </summary>
    public Task<BulkDeleteCountRecord> CountBulkDeleteAsync(KeySet keys, CancellationToken cancellationToken)
    {
        // The named groups joined to the group table, each with its members counted in the
        // membership's (group, portfolio) index: only the groups found are read.
        var named = Selection.NamedRows(db, keys, db.Group, "@uids", "@ids") ?? $"(SELECT uid FROM {db.Group} WHERE 1 = 0)";
        var sql = "SELECT count(*) AS group_count, CAST(coalesce(sum(c.members), 0) AS bigint) AS membership_count FROM ("
                  + $"SELECT (SELECT count(*) FROM {db.Membership} m WHERE m.portfolio_group_uid = g.uid) AS members "
                  + $"FROM {named} AS n JOIN {db.Group} g ON g.uid = n.uid) c";
        return db.RunAsync(
            "portfolio_group.bulk_delete_preflight",
            ErrorContext.Read,
            c => c.QuerySingleAsync<BulkDeleteCountRecord>(sql, new { uids = Selection.Uids(db, keys), ids = Selection.Ids(db, keys) }),
            cancellationToken);
    }
}
