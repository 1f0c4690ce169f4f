using System.Data.Common;
using Dapper;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>SQL for the portfolio table; one statement per call.</summary>
internal sealed class PortfolioRepository(PortfolioStore store)
{
    public const string Table = "Portfolio";
    private const string Columns = "uid, unique_identifier, display_name";

    private Database Db => store.Database;

    private SqlDialect D => Db.Dialect;

    public Portfolio Map(DbDataReader r) => new(store, r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));

    public async Task<Portfolio> InsertAsync(Guid uid, string uniqueIdentifier, string? displayName, bool upsert, CancellationToken cancellationToken)
    {
        var conflict = upsert ? " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = excluded.display_name" : "";
        var sql = $"INSERT INTO {D.Portfolio} (uid, unique_identifier, display_name) VALUES (@uid, @uniqueIdentifier, @displayName){conflict} RETURNING {Columns}";
        try
        {
            var rows = await Db.QueryAsync(upsert ? "portfolio.upsert" : "portfolio.create", sql, new { uid = D.Uid(uid), uniqueIdentifier, displayName }, Map, cancellationToken).ConfigureAwait(false);
            return rows[0];
        }
        catch (DuplicateKeyException ex)
        {
            throw ex.KeyName == "uid"
                ? new DuplicateKeyException(Table, "uid", uid.ToString(), ex.InnerException)
                : new DuplicateKeyException(Table, "unique_identifier", uniqueIdentifier, ex.InnerException);
        }
    }

    public async Task<Portfolio?> FindAsync(RowKey key, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync("portfolio.get", $"SELECT {Columns} FROM {D.Portfolio} WHERE {key.Column} = @key", new { key = key.Value(D) }, Map, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<Portfolio?> UpdateAsync(RowKey key, string? displayName, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync(
            "portfolio.update",
            $"UPDATE {D.Portfolio} SET display_name = @displayName WHERE {key.Column} = @key RETURNING {Columns}",
            new { key = key.Value(D), displayName },
            Map,
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<int> DeleteAsync(RowKey key, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio.delete", $"DELETE FROM {D.Portfolio} WHERE {key.Column} = @key", new { key = key.Value(D) }, cancellationToken);

    public async Task<Page<Portfolio>> FilterAsync(KeySet keys, string? search, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var where = keys.NamedOrSearched(D, D.Portfolio, search, "portfolio", parameters);
        var sql = $"SELECT {Columns} FROM {D.Portfolio} WHERE {where}{page.Tail(D, "uid", parameters)}";
        var rows = await Db.QueryAsync("portfolio.filter", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, p => p.Uid);
    }

    /// <summary>The portfolios of a group, in portfolio uid order; an empty page when the group has none or does not exist.</summary>
    public async Task<Page<Portfolio>> InGroupAsync(RowKey group, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("group", group.Value(D));
        var sql = $"SELECT p.uid, p.unique_identifier, p.display_name FROM {D.Membership} m JOIN {D.Portfolio} p ON p.uid = m.portfolio_uid " +
                  $"WHERE m.portfolio_group_uid = {group.UidExpression(D.Group, "@group")}{page.Tail(D, "m.portfolio_uid", parameters)}";
        var rows = await Db.QueryAsync("portfolio_group.portfolios", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, p => p.Uid);
    }
}
