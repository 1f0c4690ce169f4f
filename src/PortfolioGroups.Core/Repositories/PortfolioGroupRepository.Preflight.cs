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
        var named = Selection.Named(db, keys, db.Group, "uid", "@uids", "@ids");
        var sql = $"SELECT (SELECT count(*) FROM {db.Group} WHERE {named}) AS group_count, "
                  + $"(SELECT count(*) FROM {db.Membership} WHERE portfolio_group_uid IN (SELECT uid FROM {db.Group} WHERE {named})) AS membership_count";
        return db.RunAsync(
            "portfolio_group.bulk_delete_preflight",
            ErrorContext.Read,
            c => c.QuerySingleAsync<BulkDeleteCountRecord>(sql, new { uids = Selection.Uids(db, keys), ids = Selection.Ids(db, keys) }),
            cancellationToken);
    }
}
