using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A portfolio as read from the <c>portfolio</c> table.</summary>
internal sealed record PortfolioRecord(Guid Uid, string UniqueIdentifier, string? DisplayName);

/// <summary>The <c>portfolio</c> table's statements, each next to its parameters and row mapping; one statement per call.</summary>
internal sealed partial class PortfolioRepository(Database db)
{
    public static readonly string Table = SchemaModel.Portfolio.Identifier;

    // Single-row statements, each built on first use for its shape (db's table names are fixed by then).
    private readonly string?[] _findSql = new string?[2];
    private readonly string?[] _insertSql = new string?[8];

    /// <summary>The host's table, as messages name it, when the portfolios are a host's (<see cref="PortfolioTable.Existing"/>); null for the library's own.</summary>
    public string? HostTable => db.OwnsPortfolioTable ? null : db.PortfolioTableSchema is { } schema ? $"{schema}.{db.PortfolioTableName}" : db.PortfolioTableName;

    /// <summary>The columns a <see cref="PortfolioRecord"/> is read from, optionally prefixed by a table alias.</summary>
    public static string Columns(string alias = "") => $"{alias}uid, {alias}unique_identifier, {alias}display_name";

    /// <summary>
    /// Inserts a portfolio; when its unique identifier exists, what <paramref name="mode"/> says, in
    /// the same statement. <see cref="InsertMode.Add"/> keeps the stored display name when none is given.
    /// </summary>
    public Task<PortfolioRecord> InsertAsync(Guid uid, string uniqueIdentifier, string? displayName, InsertMode mode, CancellationToken cancellationToken)
    {
        var conflict = mode switch
        {
            InsertMode.Upsert => " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = excluded.display_name",
            InsertMode.Add => " ON CONFLICT (unique_identifier) DO UPDATE SET display_name = COALESCE(excluded.display_name, t.display_name)",
            _ => "",
        };
        var sql = _insertSql[(int)mode] ??= $"INSERT INTO {db.Portfolio} AS t ({Columns()}) VALUES (@uid, @uniqueIdentifier, @displayName){conflict} RETURNING {Columns()}";
        var context = ErrorContext.Deferred(Table, () => new ErrorContext(Table).WithKey("uid", uid.ToString()).WithKey("unique_identifier", uniqueIdentifier));
        return db.RunAsync(
            mode switch { InsertMode.Upsert => "portfolio.upsert", InsertMode.Add => "portfolio.add", _ => "portfolio.create" },
            context,
            c => c.QuerySingleAsync<PortfolioRecord>(sql, new { uid = db.Uid(uid), uniqueIdentifier, displayName }),
            cancellationToken);
    }

    public Task<PortfolioRecord?> FindAsync(RowKey key, CancellationToken cancellationToken)
    {
        var sql = _findSql[key.IsUid ? 1 : 0] ??= $"SELECT {Columns()} FROM {db.Portfolio} pt WHERE {key.Column} = @key";
        if (Read is { } read)
        {
            return db.RunAsync("portfolio.get", ErrorContext.Read, c => Database.ReadRowAsync(c, sql, read, "key", key.Value(db)), cancellationToken);
        }

        return db.RunAsync(
            "portfolio.get",
            ErrorContext.Read,
            c => c.QueryFirstOrDefaultAsync<PortfolioRecord>(sql, new { key = key.Value(db) }),
            cancellationToken);
    }

    private Func<System.Data.Common.DbDataReader, PortfolioRecord>? Read => _read ??= Reader(db);

    private Func<System.Data.Common.DbDataReader, PortfolioRecord>? _read;

    /// <summary>
    /// Reads a row of <see cref="Columns"/> by position (<see cref="Database.ReadRowAsync"/>,
    /// <see cref="Database.ReadRowsAsync"/>) from the library's own table, whose column types are
    /// known; null for a host's table (<see cref="PortfolioTable.Existing"/>), which Dapper maps,
    /// converting what its columns hold.
    /// </summary>
    public static Func<System.Data.Common.DbDataReader, PortfolioRecord>? Reader(Database db) =>
        !db.OwnsPortfolioTable ? null : r => new(db.ReadUid(r, 0), r.GetString(1), Database.OptionalText(r, 2));

    /// <summary>Sets the display name; null when the portfolio does not exist.</summary>
    public Task<PortfolioRecord?> UpdateAsync(RowKey key, string? displayName, CancellationToken cancellationToken)
    {
        var sql = $"UPDATE {db.Portfolio} SET display_name = @displayName WHERE {key.Column} = @key RETURNING {Columns()}";
        return db.RunAsync(
            "portfolio.update",
            new ErrorContext(Table),
            c => c.QuerySingleOrDefaultAsync<PortfolioRecord>(sql, new { key = key.Value(db), displayName }),
            cancellationToken);
    }

    /// <summary>Deletes the portfolio; the database deletes its memberships. Returns the number deleted.</summary>
    public Task<int> DeleteAsync(RowKey key, CancellationToken cancellationToken)
    {
        var sql = $"DELETE FROM {db.Portfolio} WHERE {key.Column} = @key";
        return db.RunAsync("portfolio.delete", new ErrorContext(Table), c => c.ExecuteAsync(sql, new { key = key.Value(db) }), cancellationToken);
    }

    /// <summary>One page of the portfolios a filter selects (named, searched, and by their groups), in uid order; one statement.</summary>
    public async Task<Page<PortfolioRecord>> FilterAsync(KeySet keys, string? search, GroupConditions groups, PageQuery page, CancellationToken cancellationToken)
    {
        var (from, joined) = Selection.FilterFrom(db, keys, db.Portfolio, "p");
        var parameters = Selection.PortfolioFilterParameters(db, keys, search, groups, page);
        var counted = Selection.NoneAloneIsCounted(db, groups, joined);
        var rows = await db.RunAsync(
            "portfolio.filter",
            ErrorContext.Read,
            async c =>
            {
                // "In none of" alone on SQLite: NOT IN when its groups hold less than a quarter of a page.
                var smallNone = counted && await c.ExecuteScalarAsync<long>(Selection.NoneMembersUpToQuarterPage(db, groups), parameters).ConfigureAwait(false) * 4 < page.Limit;
                return await c.QueryAsync<PortfolioRecord>(FilterSql(from, joined, search, keys, groups, page, smallNone), parameters).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, p => p.Uid);
    }

    internal string FilterSql(string from, bool joined, string? search, KeySet keys, GroupConditions groups, PageQuery page, bool smallNone)
    {
        var inGroups = Selection.InGroups(db, groups, paged: page.After is not null, named: joined, smallNone: smallNone);

        // A group join orders the portfolios by its own portfolio column (the membership index's
        // order); both sides of the join key are bounded by the cursor.
        return Selection.FilterPage(
            db,
            $"SELECT {Columns("p.")} FROM {from}{inGroups.Join} WHERE {Selection.NamedOrSearched(db, keys, db.Portfolio, search, joined: joined)}{inGroups.Where}",
            joined,
            Columns(),
            page,
            inGroups.OrderColumn ?? "p.uid",
            inGroups.OrderColumn is null ? [] : ["p.uid"]);
    }
}
