using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A group a preflight found, with its number of memberships.</summary>
internal sealed record FoundGroupRecord(Guid Uid, long MembershipCount);

/// <summary>The <c>portfolio_group</c> table's all-or-nothing bulk delete by uid, and its preflight.</summary>
internal sealed partial class PortfolioGroupRepository
{
    /// <summary>The groups among <paramref name="uids"/> that exist, each with its membership count; one statement.</summary>
    public async Task<IReadOnlyList<FoundGroupRecord>> FindForDeleteAsync(KeySet uids, CancellationToken cancellationToken)
    {
        var sql = $"SELECT g.uid, (SELECT count(*) FROM {db.Membership} m WHERE m.portfolio_group_uid = g.uid) AS membership_count "
                  + $"FROM {db.KeyRows("@uids", "k")} JOIN {db.Group} g ON g.uid = k.value";
        var rows = await db.RunAsync(
            "portfolio_group.bulk_delete_preflight",
            ErrorContext.Read,
            c => c.QueryAsync<FoundGroupRecord>(sql, new { uids = Selection.Uids(db, uids) }),
            cancellationToken).ConfigureAwait(false);
        return rows.ToList();
    }

    /// <summary>
    /// Deletes the groups <paramref name="uids"/> names, in one transaction, only when every one of
    /// them exists: the delete runs, and when it removed fewer groups than named, it is rolled back.
    /// Returns the uids it deleted (all of them), or, when one was missing, the ones it found.
    /// </summary>
    public Task<(bool Committed, IReadOnlyCollection<Guid> Found)> DeleteAllOrNoneAsync(KeySet uids, CancellationToken cancellationToken)
    {
        var sql = db.DeleteJoined(db.Group, Selection.NamedRows(db, uids, db.Group, "@uids", "@ids")!, returnUids: true);
        return db.InTransactionAsync<(bool, IReadOnlyCollection<Guid>)>(
            async tx =>
            {
                var deleted = await tx.RunAsync(
                    "portfolio_group.bulk_delete",
                    new ErrorContext(Table),
                    c => c.QueryAsync<UidRecord>(sql, new { uids = Selection.Uids(db, uids) }, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);
                var found = deleted.Select(d => d.Uid).ToHashSet();
                if (found.Count < uids.Uids!.Count)
                {
                    return (false, found);
                }

                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return (true, found);
            },
            cancellationToken);
    }
}
