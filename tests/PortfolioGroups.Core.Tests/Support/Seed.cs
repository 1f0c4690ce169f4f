using Dapper;

namespace PortfolioGroups.Tests.Support;

/// <summary>Set-based test data through plain SQL, for tests that need thousands of rows quickly.</summary>
public static class Seed
{
    /// <summary>Inserts portfolios (or groups) with the given identifiers in one statement; returns their uids in order.</summary>
    public static async Task<Guid[]> RowsAsync(System.Data.Common.DbConnection connection, Db db, string table, IReadOnlyList<string> identifiers)
    {
        var uids = identifiers.Select(_ => Guid.CreateVersion7()).ToArray();
        // Groups need a display name: the identifier serves.
        var isGroup = table.Contains("portfolio_group", StringComparison.Ordinal);
        var columns = isGroup ? "uid, unique_identifier, display_name" : "uid, unique_identifier";
        if (db == Db.Postgres)
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {table} ({columns}) SELECT u, i{(isGroup ? ", i" : "")} FROM unnest(@uids, @ids) AS t(u, i)",
                new { uids, ids = identifiers.ToArray() });
        }
        else
        {
            var rows = System.Text.Json.JsonSerializer.Serialize(uids.Zip(identifiers, (u, i) => new[] { u.ToString("D"), i }));
            var identifier = "json_extract(value, '$[1]')";
            await connection.ExecuteAsync(
                $"INSERT INTO {table} ({columns}) SELECT json_extract(value, '$[0]'), {identifier}{(isGroup ? ", " + identifier : "")} FROM json_each(@rows)",
                new { rows });
        }

        return uids;
    }

    /// <summary>Inserts memberships for the given pairs in one statement.</summary>
    public static async Task MembershipsAsync(System.Data.Common.DbConnection connection, Db db, string table, IReadOnlyList<(Guid Group, Guid Portfolio)> pairs)
    {
        if (db == Db.Postgres)
        {
            await connection.ExecuteAsync(
                $"INSERT INTO {table} (uid, portfolio_group_uid, portfolio_uid) SELECT u, g, p FROM unnest(@uids, @groups, @portfolios) AS t(u, g, p)",
                new { uids = pairs.Select(_ => Guid.CreateVersion7()).ToArray(), groups = pairs.Select(p => p.Group).ToArray(), portfolios = pairs.Select(p => p.Portfolio).ToArray() });
        }
        else
        {
            var rows = System.Text.Json.JsonSerializer.Serialize(pairs.Select(p => new[] { Guid.CreateVersion7().ToString("D"), p.Group.ToString("D"), p.Portfolio.ToString("D") }));
            await connection.ExecuteAsync(
                $"INSERT INTO {table} (uid, portfolio_group_uid, portfolio_uid) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]') FROM json_each(@rows)",
                new { rows });
        }
    }
}
