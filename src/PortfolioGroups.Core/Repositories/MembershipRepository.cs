using System.Data.Common;
using Dapper;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>Runs the portfolio_group_membership table's statements (from the dialect) and maps their rows. Group and portfolio references are resolved inside the statements.</summary>
internal sealed class MembershipRepository(PortfolioStore store)
{
    public const string Table = "PortfolioGroupMembership";
    public const string PairKey = "(portfolio_group_uid, portfolio_uid)";

    private Database Db => store.Database;

    private SqlDialect D => Db.Dialect;

    public PortfolioGroupMembership Map(DbDataReader r) => new(store, r.GetGuid(0), r.GetGuid(1), r.GetGuid(2));

    /// <summary>
    /// Inserts the membership of a group and a portfolio, each resolved in the statement. Returns
    /// the new row; or null when nothing was inserted, because the pair exists (with
    /// <paramref name="ignoreExisting"/>) or a side does not exist.
    /// </summary>
    public async Task<PortfolioGroupMembership?> InsertAsync(Guid uid, RowKey group, RowKey portfolio, bool ignoreExisting, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await Db.QueryAsync(
                ignoreExisting ? "portfolio_group_membership.upsert" : "portfolio_group_membership.create",
                D.InsertMembership(group, portfolio, ignoreExisting),
                new { uid = D.Uid(uid), group = group.Value(D), portfolio = portfolio.Value(D) },
                Map,
                cancellationToken).ConfigureAwait(false);
            return rows.SingleOrDefault();
        }
        catch (DuplicateKeyException ex)
        {
            throw ex.KeyName == "uid"
                ? new DuplicateKeyException(Table, "uid", uid.ToString(), ex.InnerException)
                : new DuplicateKeyException(Table, PairKey, $"{group}, {portfolio}", ex.InnerException);
        }
    }

    /// <summary>Resolves both sides and the membership of the pair, in one statement: each is null when absent.</summary>
    public async Task<(Guid? Group, Guid? Portfolio, PortfolioGroupMembership? Membership)> ResolvePairAsync(RowKey group, RowKey portfolio, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(
            "portfolio_group_membership.resolve",
            D.ResolvePair(group, portfolio),
            new { group = group.Value(D), portfolio = portfolio.Value(D) },
            r => (OptionalUid(r, 0), OptionalUid(r, 1), OptionalUid(r, 2)),
            cancellationToken).ConfigureAwait(false);
        var (g, p, m) = rows[0];
        return (g, p, m is { } uid ? new PortfolioGroupMembership(store, uid, g!.Value, p!.Value) : null);
    }

    /// <summary>Resolves the uids of the sides given, in one statement; a side not given, or not found, is null.</summary>
    public async Task<(Guid? Group, Guid? Portfolio)> ResolveSidesAsync(RowKey? group, RowKey? portfolio, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        if (group is { } g)
        {
            parameters.Add("group", g.Value(D));
        }

        if (portfolio is { } p)
        {
            parameters.Add("portfolio", p.Value(D));
        }

        var rows = await Db.QueryAsync("portfolio_group_membership.resolve", D.ResolveSides(group, portfolio), parameters, r => (OptionalUid(r, 0), OptionalUid(r, 1)), cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    public async Task<PortfolioGroupMembership?> FindAsync(Guid uid, CancellationToken cancellationToken) =>
        (await Db.QueryAsync("portfolio_group_membership.get", D.SelectMembership, new { uid = D.Uid(uid) }, Map, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Points a membership at other rows (given by uid; a null side stays); null when the membership does not exist.</summary>
    public async Task<PortfolioGroupMembership?> MoveAsync(Guid uid, Guid? group, Guid? portfolio, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("uid", D.Uid(uid));
        if (group is { } g)
        {
            parameters.Add("group", D.Uid(g));
        }

        if (portfolio is { } p)
        {
            parameters.Add("portfolio", D.Uid(p));
        }

        try
        {
            var rows = await Db.QueryAsync("portfolio_group_membership.update", D.MoveMembership(group.HasValue, portfolio.HasValue), parameters, Map, cancellationToken).ConfigureAwait(false);
            return rows.SingleOrDefault();
        }
        catch (DuplicateKeyException ex)
        {
            throw new DuplicateKeyException(Table, PairKey, $"{group}, {portfolio}", ex.InnerException);
        }
    }

    public Task<int> DeleteAsync(Guid uid, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio_group_membership.delete", D.DeleteMembership, new { uid = D.Uid(uid) }, cancellationToken);

    /// <summary>Deletes the membership of a pair, both sides resolved in the statement.</summary>
    public Task<int> RemoveAsync(RowKey group, RowKey portfolio, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio_group_membership.remove", D.RemoveMembership(group, portfolio), new { group = group.Value(D), portfolio = portfolio.Value(D) }, cancellationToken);

    /// <summary>Deletes memberships by uid, in one statement.</summary>
    public Task<int> BulkDeleteAsync(IReadOnlyCollection<Guid> uids, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("uids", D.UidSet(uids));
        return Db.ExecuteAsync("portfolio_group_membership.bulk_delete", D.BulkDeleteMemberships, parameters, cancellationToken);
    }

    /// <summary>Deletes the memberships whose group is in <paramref name="groups"/> and whose portfolio is in <paramref name="portfolios"/> (a side not given is not restricted), in one statement.</summary>
    public Task<int> BulkDeleteAsync(KeySet groups, KeySet portfolios, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = D.BulkDeleteMembershipsInScope(groups, portfolios, parameters);
        return Db.ExecuteAsync("portfolio_group_membership.bulk_delete", sql, parameters, cancellationToken);
    }

    public async Task<Page<PortfolioGroupMembership>> FilterAsync(KeySet groups, KeySet portfolios, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = D.FilterMemberships(groups, portfolios, page, parameters);
        var rows = await Db.QueryAsync("portfolio_group_membership.filter", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, m => m.Uid);
    }

    private static Guid? OptionalUid(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetGuid(ordinal);
}
