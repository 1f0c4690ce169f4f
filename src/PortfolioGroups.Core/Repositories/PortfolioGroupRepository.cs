using System.Data.Common;
using System.Text.Json;
using Dapper;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>Runs the portfolio_group table's statements (from the dialect) and maps their rows; one statement per call.</summary>
internal sealed class PortfolioGroupRepository(PortfolioStore store)
{
    public const string Table = "PortfolioGroup";

    private Database Db => store.Database;

    private SqlDialect D => Db.Dialect;

    public PortfolioGroup Map(DbDataReader r) => new(
        store,
        r.GetGuid(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : r.GetString(3),
        r.IsDBNull(4) ? null : ParseMetadata(r.GetString(4)));

    public async Task<PortfolioGroup> InsertAsync(Guid uid, string uniqueIdentifier, string displayName, string? description, string? metadata, bool upsert, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await Db.QueryAsync(
                upsert ? "portfolio_group.upsert" : "portfolio_group.create",
                D.InsertGroup(upsert),
                new { uid = D.Uid(uid), uniqueIdentifier, displayName, description, metadata },
                Map,
                cancellationToken).ConfigureAwait(false);
            return rows[0];
        }
        catch (DuplicateKeyException ex)
        {
            throw ex.KeyName == "uid"
                ? new DuplicateKeyException(Table, "uid", uid.ToString(), ex.InnerException)
                : new DuplicateKeyException(Table, "unique_identifier", uniqueIdentifier, ex.InnerException);
        }
    }

    public async Task<PortfolioGroup?> FindAsync(RowKey key, CancellationToken cancellationToken) =>
        (await Db.QueryAsync("portfolio_group.get", D.SelectGroup(key), new { key = key.Value(D) }, Map, cancellationToken).ConfigureAwait(false)).SingleOrDefault();

    /// <summary>Updates the fields that are set; null when the group does not exist.</summary>
    public async Task<PortfolioGroup?> UpdateAsync(RowKey key, Change<string> displayName, Change<string?> description, Change<string?> metadata, CancellationToken cancellationToken)
    {
        if (!displayName.IsSet && !description.IsSet && !metadata.IsSet)
        {
            return await FindAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var parameters = new DynamicParameters();
        parameters.Add("key", key.Value(D));
        parameters.Add("displayName", displayName.Value);
        parameters.Add("description", description.Value, System.Data.DbType.String);
        parameters.Add("metadata", metadata.Value, System.Data.DbType.String);
        var rows = await Db.QueryAsync(
            "portfolio_group.update",
            D.UpdateGroup(key, displayName.IsSet, description.IsSet, metadata.IsSet),
            parameters,
            Map,
            cancellationToken).ConfigureAwait(false);
        return rows.SingleOrDefault();
    }

    public Task<int> DeleteAsync(RowKey key, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio_group.delete", D.DeleteGroup(key), new { key = key.Value(D) }, cancellationToken);

    /// <summary>Deletes every group the set names, in one statement (one transaction); each group counts once.</summary>
    public Task<int> BulkDeleteAsync(KeySet keys, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = D.BulkDeleteGroups(keys, parameters);
        return Db.ExecuteAsync("portfolio_group.bulk_delete", sql, parameters, cancellationToken);
    }

    public async Task<Page<PortfolioGroup>> FilterAsync(KeySet keys, string? search, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var sql = D.FilterGroups(keys, search, page, parameters);
        var rows = await Db.QueryAsync("portfolio_group.filter", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, g => g.Uid);
    }

    /// <summary>The groups of a portfolio, in group uid order; an empty page when it has none or does not exist.</summary>
    public async Task<Page<PortfolioGroup>> OfPortfolioAsync(RowKey portfolio, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("portfolio", portfolio.Value(D));
        var sql = D.GroupsOfPortfolio(portfolio, page, parameters);
        var rows = await Db.QueryAsync("portfolio.groups", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, g => g.Uid);
    }

    private static JsonElement ParseMetadata(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
