using System.Text.Json;
using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A group as read from the <c>portfolio_group</c> table; the metadata as the database returns its JSON text.</summary>
internal sealed record PortfolioGroupRecord(Guid Uid, string UniqueIdentifier, string DisplayName, string? Description, string? MetadataJson)
{
    /// <summary>
    /// How deep stored metadata is read. The library writes at most 64 levels, and the database
    /// refuses deeper from migration 2026120101 on; a row written before, by plain SQL, may be
    /// deeper, and is read as it is up to SQLite's own limit (1,000 levels), so one such row never
    /// breaks a listing. Deeper still (only PostgreSQL can hold it) is an <see cref="UnreadableRowException"/>.
    /// </summary>
    public const int MetadataReadDepth = 1_000;

    /// <summary>The metadata, parsed.</summary>
    /// <exception cref="UnreadableRowException">The stored text is not JSON this library can read.</exception>
    public JsonElement? Metadata
    {
        get
        {
            if (MetadataJson is null)
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(MetadataJson, new JsonDocumentOptions { MaxDepth = MetadataReadDepth });
                return document.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new UnreadableRowException(PortfolioGroupRepository.Table, Uid.ToString("D"), "metadata_json", $"is not JSON the library can read ({ex.Message})", ex);
            }
        }
    }
}

/// <summary>The <c>portfolio_group</c> table's statements, each next to its parameters and row mapping; one statement per call.</summary>
internal sealed partial class PortfolioGroupRepository(Database db)
{
    public static readonly string Table = SchemaModel.PortfolioGroup.Identifier;

    // Single-row statements, each built on first use for its shape (db's table names are fixed by then).
    private readonly string?[] _findSql = new string?[2];
    private readonly string?[] _insertSql = new string?[4];

    private Func<System.Data.Common.DbDataReader, PortfolioGroupRecord> Read => _read ??= Reader(db);

    private Func<System.Data.Common.DbDataReader, PortfolioGroupRecord>? _read;

    /// <summary>Reads a row of <see cref="Columns"/> by position (<see cref="Database.ReadRowAsync"/>, <see cref="Database.ReadRowsAsync"/>).</summary>
    public static Func<System.Data.Common.DbDataReader, PortfolioGroupRecord> Reader(Database db) =>
        r => new(db.ReadUid(r, 0), r.GetString(1), r.GetString(2), Database.OptionalText(r, 3), Database.OptionalText(r, 4));

    /// <summary>The columns a <see cref="PortfolioGroupRecord"/> is read from, optionally prefixed by a table alias.</summary>
    public static string Columns(string alias = "") =>
        $"{alias}uid, {alias}unique_identifier, {alias}display_name, {alias}description, {alias}metadata_json";

    /// <summary>
    /// Inserts a group; when its unique identifier exists, what <paramref name="mode"/> says.
    /// <see cref="InsertMode.Add"/> keeps each stored field whose given value is null:
    /// <paramref name="givenDisplayName"/> is the display name the caller passed (null when not),
    /// <paramref name="displayName"/> the one a new row gets.
    /// </summary>
    /// <remarks>
    /// <see cref="InsertMode.Add"/> and <see cref="InsertMode.Upsert"/> first insert with
    /// <c>ON CONFLICT DO NOTHING</c>, and only when that inserted nothing run the statement that
    /// inserts or updates (<c>ON CONFLICT DO UPDATE</c>). That second statement is whole on its own,
    /// so a group deleted or added between the two is still inserted or updated rightly. One
    /// statement with <c>DO UPDATE</c> would do both, but costs every insert of a new group the
    /// group table's update rules: SQLite compiles its update triggers into the statement, and
    /// PostgreSQL fires statement-level update triggers for it.
    /// </remarks>
    public async Task<PortfolioGroupRecord> InsertAsync(Guid uid, string uniqueIdentifier, string displayName, string? givenDisplayName, string? description, string? metadata, InsertMode mode, CancellationToken cancellationToken)
    {
        var context = ErrorContext.Deferred(Table, () => new ErrorContext(Table).WithKey("uid", uid.ToString()).WithKey("unique_identifier", uniqueIdentifier));
        var operation = mode switch { InsertMode.Upsert => "portfolio_group.upsert", InsertMode.Add => "portfolio_group.add", _ => "portfolio_group.create" };
        var parameters = new { uid = db.Uid(uid), uniqueIdentifier, displayName, givenDisplayName, description, metadata };
        if (mode == InsertMode.Create)
        {
            var create = InsertSql(mode, onlyNew: false);
            return await db.RunAsync(operation, context, c => c.QuerySingleAsync<PortfolioGroupRecord>(create, parameters), cancellationToken).ConfigureAwait(false);
        }

        var insertNew = InsertSql(mode, onlyNew: true);
        var inserted = await db.RunAsync(operation, context, c => c.QuerySingleOrDefaultAsync<PortfolioGroupRecord>(insertNew, parameters), cancellationToken).ConfigureAwait(false);
        if (inserted is not null)
        {
            return inserted;
        }

        var insertOrUpdate = InsertSql(mode, onlyNew: false);
        return await db.RunAsync(operation, context, c => c.QuerySingleAsync<PortfolioGroupRecord>(insertOrUpdate, parameters), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The insert statement of <paramref name="mode"/>, built on first use; with
    /// <paramref name="onlyNew"/>, the insert that does nothing (and returns nothing) when the
    /// unique identifier exists.
    /// </summary>
    private string InsertSql(InsertMode mode, bool onlyNew) => _insertSql[onlyNew ? _insertSql.Length - 1 : (int)mode] ??=
        $"INSERT INTO {db.Group} AS t ({Columns()}) VALUES (@uid, @uniqueIdentifier, @displayName, @description, {db.JsonValue("@metadata")})"
        + (onlyNew, mode) switch
        {
            (true, _) => " ON CONFLICT (unique_identifier) DO NOTHING",
            (_, InsertMode.Upsert) => " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = excluded.display_name, description = excluded.description, metadata_json = excluded.metadata_json",
            (_, InsertMode.Add) => " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = COALESCE(@givenDisplayName, t.display_name), "
                                   + "description = COALESCE(excluded.description, t.description), metadata_json = COALESCE(excluded.metadata_json, t.metadata_json)",
            _ => "",
        }
        + $" RETURNING {Columns()}";

    public Task<PortfolioGroupRecord?> FindAsync(RowKey key, CancellationToken cancellationToken)
    {
        var sql = _findSql[key.IsUid ? 1 : 0] ??= $"SELECT {Columns()} FROM {db.Group} WHERE {key.Column} = @key";
        return db.RunAsync(
            "portfolio_group.get",
            ErrorContext.Read,
            c => Database.ReadRowAsync(c, sql, Read, "key", key.Value(db)),
            cancellationToken);
    }

    /// <summary>Sets the fields that are set (at least one); null when the group does not exist.</summary>
    public Task<PortfolioGroupRecord?> UpdateAsync(RowKey key, Change<string> displayName, Change<string?> description, Change<string?> metadata, CancellationToken cancellationToken)
    {
        var set = new List<string>();
        if (displayName.IsSet)
        {
            set.Add("display_name = @displayName");
        }

        if (description.IsSet)
        {
            set.Add("description = @description");
        }

        if (metadata.IsSet)
        {
            set.Add($"metadata_json = {db.JsonValue("@metadata")}");
        }

        var sql = $"UPDATE {db.Group} SET {string.Join(", ", set)} WHERE {key.Column} = @key RETURNING {Columns()}";
        return db.RunAsync(
            "portfolio_group.update",
            new ErrorContext(Table),
            c => c.QuerySingleOrDefaultAsync<PortfolioGroupRecord>(sql, new
            {
                key = key.Value(db),
                displayName = displayName.Value,
                description = description.Value,
                metadata = metadata.Value,
            }),
            cancellationToken);
    }

    /// <summary>Deletes the group; the database deletes its memberships. Returns the number deleted.</summary>
    public Task<int> DeleteAsync(RowKey key, CancellationToken cancellationToken)
    {
        var sql = $"DELETE FROM {db.Group} WHERE {key.Column} = @key";
        return db.RunAsync("portfolio_group.delete", new ErrorContext(Table), c => c.ExecuteAsync(sql, new { key = key.Value(db) }), cancellationToken);
    }

    /// <summary>Deletes every group the set names, in one statement (one transaction); each group counts once.</summary>
    public Task<int> BulkDeleteAsync(KeySet keys, CancellationToken cancellationToken) =>
        BulkLoad.DeleteNamedAsync(db, db.Group, Table, "portfolio_group.bulk_delete", keys, cancellationToken);

    public async Task<Page<PortfolioGroupRecord>> FilterAsync(KeySet keys, string? search, string? displayName, PageQuery page, CancellationToken cancellationToken)
    {
        var (from, joined) = Selection.FilterFrom(db, keys, db.Group, "g");
        var sql = Selection.FilterPage(db, $"SELECT {Columns("g.")} FROM {from} WHERE {Selection.NamedOrSearched(db, keys, db.Group, search, displayName, joined)}", joined, Columns(), page, "g.uid");
        var rows = await db.RunAsync(
            "portfolio_group.filter",
            ErrorContext.Read,
            c => c.QueryAsync<PortfolioGroupRecord>(sql, Selection.FilterParameters(db, keys, search, page, displayName)),
            cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, g => g.Uid);
    }
}
