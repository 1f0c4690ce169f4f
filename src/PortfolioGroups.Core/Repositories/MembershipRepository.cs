using System.Data.Common;
using Dapper;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>SQL for the portfolio_group_membership table. Group and portfolio references are resolved inside the statements.</summary>
internal sealed class MembershipRepository(PortfolioStore store)
{
    public const string Table = "PortfolioGroupMembership";
    private const string Columns = "uid, portfolio_group_uid, portfolio_uid";

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
        var conflict = ignoreExisting ? " ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING" : "";
        var sql = $"INSERT INTO {D.Membership} ({Columns}) " +
                  $"SELECT @uid, g.uid, p.uid FROM {D.Group} g CROSS JOIN {D.Portfolio} p WHERE g.{group.Column} = @group AND p.{portfolio.Column} = @portfolio" +
                  $"{conflict} RETURNING {Columns}";
        try
        {
            var rows = await Db.QueryAsync(
                ignoreExisting ? "portfolio_group_membership.upsert" : "portfolio_group_membership.create",
                sql,
                new { uid = D.Uid(uid), group = group.Value(D), portfolio = portfolio.Value(D) },
                Map,
                cancellationToken).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }
        catch (DuplicateKeyException ex)
        {
            throw ex.KeyName == "uid"
                ? new DuplicateKeyException(Table, "uid", uid.ToString(), ex.InnerException)
                : new DuplicateKeyException(Table, "(portfolio_group_uid, portfolio_uid)", $"{group}, {portfolio}", ex.InnerException);
        }
    }

    /// <summary>Resolves both sides and the membership of the pair, in one statement: each is null when absent.</summary>
    public async Task<(Guid? Group, Guid? Portfolio, PortfolioGroupMembership? Membership)> ResolvePairAsync(RowKey group, RowKey portfolio, CancellationToken cancellationToken)
    {
        var sql = $"SELECT g.uid, p.uid, m.uid FROM (SELECT 1 AS one) x " +
                  $"LEFT JOIN {D.Group} g ON g.{group.Column} = @group " +
                  $"LEFT JOIN {D.Portfolio} p ON p.{portfolio.Column} = @portfolio " +
                  $"LEFT JOIN {D.Membership} m ON m.portfolio_group_uid = g.uid AND m.portfolio_uid = p.uid";
        var rows = await Db.QueryAsync(
            "portfolio_group_membership.resolve",
            sql,
            new { group = group.Value(D), portfolio = portfolio.Value(D) },
            r => (r.IsDBNull(0) ? (Guid?)null : r.GetGuid(0), r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1), r.IsDBNull(2) ? (Guid?)null : r.GetGuid(2)),
            cancellationToken).ConfigureAwait(false);
        var (g, p, m) = rows[0];
        return (g, p, m is { } uid ? new PortfolioGroupMembership(store, uid, g!.Value, p!.Value) : null);
    }

    public async Task<PortfolioGroupMembership?> FindAsync(Guid uid, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync("portfolio_group_membership.get", $"SELECT {Columns} FROM {D.Membership} WHERE uid = @uid", new { uid = D.Uid(uid) }, Map, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Resolves the uids of the sides given, in one statement; a side not given, or not found, is null.</summary>
    public async Task<(Guid? Group, Guid? Portfolio)> ResolveSidesAsync(RowKey? group, RowKey? portfolio, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        string Side(RowKey? key, string table, string name)
        {
            if (key is not { } k)
            {
                return "NULL";
            }

            parameters.Add(name, k.Value(D));
            return $"(SELECT uid FROM {table} WHERE {k.Column} = @{name})";
        }

        var sql = $"SELECT {Side(group, D.Group, "group")}, {Side(portfolio, D.Portfolio, "portfolio")}";
        var rows = await Db.QueryAsync(
            "portfolio_group_membership.resolve",
            sql,
            parameters,
            r => (r.IsDBNull(0) ? (Guid?)null : r.GetGuid(0), r.IsDBNull(1) ? (Guid?)null : r.GetGuid(1)),
            cancellationToken).ConfigureAwait(false);
        return rows[0];
    }

    /// <summary>Points a membership at other rows (given by uid; a null side stays); null when the membership does not exist.</summary>
    public async Task<PortfolioGroupMembership?> MoveAsync(Guid uid, Guid? group, Guid? portfolio, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("uid", D.Uid(uid));
        var set = new List<string>();
        if (group is { } g)
        {
            set.Add("portfolio_group_uid = @group");
            parameters.Add("group", D.Uid(g));
        }

        if (portfolio is { } p)
        {
            set.Add("portfolio_uid = @portfolio");
            parameters.Add("portfolio", D.Uid(p));
        }

        try
        {
            var rows = await Db.QueryAsync(
                "portfolio_group_membership.update",
                $"UPDATE {D.Membership} SET {string.Join(", ", set)} WHERE uid = @uid RETURNING {Columns}",
                parameters,
                Map,
                cancellationToken).ConfigureAwait(false);
            return rows.Count == 0 ? null : rows[0];
        }
        catch (DuplicateKeyException ex)
        {
            throw new DuplicateKeyException(Table, "(portfolio_group_uid, portfolio_uid)", $"{group}, {portfolio}", ex.InnerException);
        }
    }

    public Task<int> DeleteAsync(Guid uid, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio_group_membership.delete", $"DELETE FROM {D.Membership} WHERE uid = @uid", new { uid = D.Uid(uid) }, cancellationToken);

    /// <summary>Deletes the membership of a pair, both sides resolved in the statement.</summary>
    public Task<int> RemoveAsync(RowKey group, RowKey portfolio, CancellationToken cancellationToken) =>
        Db.ExecuteAsync(
            "portfolio_group_membership.remove",
            $"DELETE FROM {D.Membership} WHERE portfolio_group_uid = {group.UidExpression(D.Group, "@group")} AND portfolio_uid = {portfolio.UidExpression(D.Portfolio, "@portfolio")}",
            new { group = group.Value(D), portfolio = portfolio.Value(D) },
            cancellationToken);

    /// <summary>Deletes memberships by uid, in one statement.</summary>
    public Task<int> BulkDeleteAsync(IReadOnlyCollection<Guid> uids, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("uids", D.UidSet(uids));
        return Db.ExecuteAsync("portfolio_group_membership.bulk_delete", $"DELETE FROM {D.Membership} WHERE {D.InUidSet("uid", "@uids")}", parameters, cancellationToken);
    }

    /// <summary>Deletes the memberships whose group is in <paramref name="groups"/> and whose portfolio is in <paramref name="portfolios"/> (a side not given is not restricted), in one statement.</summary>
    public Task<int> BulkDeleteAsync(KeySet groups, KeySet portfolios, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var where = Selection(groups, portfolios, parameters);
        return Db.ExecuteAsync("portfolio_group_membership.bulk_delete", $"DELETE FROM {D.Membership} WHERE {where}", parameters, cancellationToken);
    }

    public async Task<Page<PortfolioGroupMembership>> FilterAsync(KeySet groups, KeySet portfolios, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = $"SELECT {Columns} FROM {D.Membership} WHERE {Selection(groups, portfolios, parameters)}{page.Tail(D, "uid", parameters)}";
        var rows = await Db.QueryAsync("portfolio_group_membership.filter", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, m => m.Uid);
    }

    private string Selection(KeySet groups, KeySet portfolios, DynamicParameters parameters)
    {
        var where = new List<string> { "1 = 1" };
        if (groups.IsGiven)
        {
            where.Add(groups.Condition(D, D.Group, "portfolio_group_uid", "group", parameters));
        }

        if (portfolios.IsGiven)
        {
            where.Add(portfolios.Condition(D, D.Portfolio, "portfolio_uid", "portfolio", parameters));
        }

        return string.Join(" AND ", where);
    }
}
