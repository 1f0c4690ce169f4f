using System.Data.Common;
using Dapper;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>Runs the portfolio table's statements (from the dialect) and maps their rows; one statement per call.</summary>
internal sealed class PortfolioRepository(PortfolioStore store)
{
    public const string Table = "Portfolio";

    private Database Db => store.Database;

    private SqlDialect D => Db.Dialect;

    public Portfolio Map(DbDataReader r) => new(store, r.GetGuid(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2));

    public async Task<Portfolio> InsertAsync(Guid uid, string uniqueIdentifier, string? displayName, bool upsert, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await Db.QueryAsync(upsert ? "portfolio.upsert" : "portfolio.create", D.InsertPortfolio(upsert), new { uid = D.Uid(uid), uniqueIdentifier, displayName }, Map, cancellationToken).ConfigureAwait(false);
            return rows[0];
        }
        catch (DuplicateKeyException ex)
        {
            throw ex.KeyName == "uid"
                ? new DuplicateKeyException(Table, "uid", uid.ToString(), ex.InnerException)
                : new DuplicateKeyException(Table, "unique_identifier", uniqueIdentifier, ex.InnerException);
        }
    }

    public async Task<Portfolio?> FindAsync(RowKey key, CancellationToken cancellationToken) =>
        (await Db.QueryAsync("portfolio.get", D.SelectPortfolio(key), new { key = key.Value(D) }, Map, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public async Task<Portfolio?> UpdateAsync(RowKey key, string? displayName, CancellationToken cancellationToken) =>
        (await Db.QueryAsync("portfolio.update", D.UpdatePortfolio(key), new { key = key.Value(D), displayName }, Map, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    public Task<int> DeleteAsync(RowKey key, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio.delete", D.DeletePortfolio(key), new { key = key.Value(D) }, cancellationToken);

    public async Task<Page<Portfolio>> FilterAsync(KeySet keys, string? search, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = D.FilterPortfolios(keys, search, page, parameters);
        var rows = await Db.QueryAsync("portfolio.filter", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, p => p.Uid);
    }

    /// <summary>The portfolios of a group, in portfolio uid order; an empty page when the group has none or does not exist.</summary>
    public async Task<Page<Portfolio>> InGroupAsync(RowKey group, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("group", group.Value(D));
        var sql = D.PortfoliosInGroup(group, page, parameters);
        var rows = await Db.QueryAsync("portfolio_group.portfolios", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, p => p.Uid);
    }
}
