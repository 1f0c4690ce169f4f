using System.Data.Common;
using System.Text.Json;
using Dapper;
using PortfolioGroups.Services;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>SQL for the portfolio_group table; one statement per call.</summary>
internal sealed class PortfolioGroupRepository(PortfolioStore store)
{
    public const string Table = "PortfolioGroup";
    private const string Columns = "uid, unique_identifier, display_name, description, metadata_json";

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
        var conflict = upsert
            ? " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = excluded.display_name, description = excluded.description, metadata_json = excluded.metadata_json"
            : "";
        var sql = $"INSERT INTO {D.Group} (uid, unique_identifier, display_name, description, metadata_json) " +
                  $"VALUES (@uid, @uniqueIdentifier, @displayName, @description, {D.JsonValue("@metadata")}){conflict} RETURNING {Columns}";
        try
        {
            var rows = await Db.QueryAsync(
                upsert ? "portfolio_group.upsert" : "portfolio_group.create",
                sql,
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

    public async Task<PortfolioGroup?> FindAsync(RowKey key, CancellationToken cancellationToken)
    {
        var rows = await Db.QueryAsync("portfolio_group.get", $"SELECT {Columns} FROM {D.Group} WHERE {key.Column} = @key", new { key = key.Value(D) }, Map, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    /// <summary>Updates the fields that are set; null when the group does not exist.</summary>
    public async Task<PortfolioGroup?> UpdateAsync(RowKey key, Change<string> displayName, Change<string?> description, Change<string?> metadata, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("key", key.Value(D));
        var set = new List<string>();
        if (displayName.IsSet)
        {
            set.Add("display_name = @displayName");
            parameters.Add("displayName", displayName.Value);
        }

        if (description.IsSet)
        {
            set.Add("description = @description");
            parameters.Add("description", description.Value);
        }

        if (metadata.IsSet)
        {
            set.Add($"metadata_json = {D.JsonValue("@metadata")}");
            parameters.Add("metadata", metadata.Value, System.Data.DbType.String);
        }

        if (set.Count == 0)
        {
            return await FindAsync(key, cancellationToken).ConfigureAwait(false);
        }

        var rows = await Db.QueryAsync(
            "portfolio_group.update",
            $"UPDATE {D.Group} SET {string.Join(", ", set)} WHERE {key.Column} = @key RETURNING {Columns}",
            parameters,
            Map,
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public Task<int> DeleteAsync(RowKey key, CancellationToken cancellationToken) =>
        Db.ExecuteAsync("portfolio_group.delete", $"DELETE FROM {D.Group} WHERE {key.Column} = @key", new { key = key.Value(D) }, cancellationToken);

    /// <summary>Deletes every group the set names, in one statement (one transaction); each group counts once.</summary>
    public Task<int> BulkDeleteAsync(KeySet keys, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var condition = keys.Condition(D, D.Group, "uid", "group", parameters);
        return Db.ExecuteAsync("portfolio_group.bulk_delete", $"DELETE FROM {D.Group} WHERE {condition}", parameters, cancellationToken);
    }

    public async Task<Page<PortfolioGroup>> FilterAsync(KeySet keys, string? search, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        var where = keys.NamedOrSearched(D, D.Group, search, "group", parameters);
        var sql = $"SELECT {Columns} FROM {D.Group} WHERE {where}{page.Tail(D, "uid", parameters)}";
        var rows = await Db.QueryAsync("portfolio_group.filter", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, g => g.Uid);
    }

    /// <summary>The groups of a portfolio, in group uid order; an empty page when it has none or does not exist.</summary>
    public async Task<Page<PortfolioGroup>> OfPortfolioAsync(RowKey portfolio, PageQuery page, CancellationToken cancellationToken)
    {
        var parameters = new DynamicParameters();
        parameters.Add("portfolio", portfolio.Value(D));
        var sql = $"SELECT g.uid, g.unique_identifier, g.display_name, g.description, g.metadata_json FROM {D.Membership} m JOIN {D.Group} g ON g.uid = m.portfolio_group_uid " +
                  $"WHERE m.portfolio_uid = {portfolio.UidExpression(D.Portfolio, "@portfolio")}{page.Tail(D, "m.portfolio_group_uid", parameters)}";
        var rows = await Db.QueryAsync("portfolio.groups", sql, parameters, Map, cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, g => g.Uid);
    }

    private static JsonElement ParseMetadata(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
