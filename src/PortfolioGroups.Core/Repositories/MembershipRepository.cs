using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A membership as read from the <c>portfolio_group_membership</c> table.</summary>
internal sealed record MembershipRecord(Guid Uid, Guid PortfolioGroupUid, Guid PortfolioUid);

/// <summary>What <see cref="MembershipRepository.InsertLockedAsync"/> did: the pair's row, or which side was missing.</summary>
internal sealed record LockedInsert(MembershipRecord? Row, bool GroupMissing, bool PortfolioMissing);

/// <summary>The uids a resolving read found: each null when that row does not exist (or was not asked for).</summary>
internal sealed record ResolvedRecord(Guid? GroupUid, Guid? PortfolioUid, Guid? MembershipUid);

/// <summary>
/// The <c>portfolio_group_membership</c> table's statements, each next to its parameters and row
/// mapping, including the listings that join through it (the portfolios of a group, the groups of
/// a portfolio). Group and portfolio references are resolved inside the statements.
/// </summary>
internal sealed partial class MembershipRepository(Database db)
{
    public static readonly string Table = SchemaModel.PortfolioGroupMembership.Identifier;

    /// <summary>The name the group-and-portfolio pair key goes by in errors.</summary>
    public static readonly string PairKey = ErrorTranslator.KeyName(["portfolio_group_uid", "portfolio_uid"]);

    private const string Columns = "uid, portfolio_group_uid, portfolio_uid";

    private static readonly ErrorContext RemoveContext = new(Table);

    /// <summary>
    /// Inserts the membership of a group and a portfolio, each resolved in the statement. Returns
    /// the pair's row: the new one, or with <paramref name="ignoreExisting"/> the existing one; null
    /// when a side does not exist. Without <paramref name="ignoreExisting"/> an existing pair is a
    /// <see cref="DuplicateKeyException"/>.
    /// </summary>
    /// <remarks>
    /// Both sides named by uid: a plain single-row <c>INSERT ... VALUES</c>, the cheapest statement
    /// for the database to plan and run, whose foreign keys find a missing side (as null here, so
    /// the caller goes on to <see cref="InsertLockedAsync"/> as when the resolving statement found
    /// nothing). A side named by unique identifier is resolved in the statement. With
    /// <paramref name="ignoreExisting"/> the insert skips an existing pair (<c>DO NOTHING</c>), and
    /// only then is the pair read by a second statement: a no-op update would return it in one, but
    /// an <c>ON CONFLICT DO UPDATE</c> also runs the membership's update triggers (the history's) on
    /// every add, new pair or not. A pair deleted between the two statements reads as nothing, and
    /// the caller's locked insert adds it again.
    /// </remarks>
    public async Task<MembershipRecord?> InsertAsync(Guid uid, RowKey group, RowKey portfolio, bool ignoreExisting, CancellationToken cancellationToken)
    {
        var (sql, context) = Insert(uid, group, portfolio, ignoreExisting ? OnPairConflict.Skip : OnPairConflict.Fail);
        MembershipRecord? row;
        try
        {
            row = await db.RunAsync(
                ignoreExisting ? "portfolio_group_membership.upsert" : "portfolio_group_membership.create",
                context,
                c => c.QuerySingleOrDefaultAsync<MembershipRecord>(sql, new { uid = db.Uid(uid), group = group.Value(db), portfolio = portfolio.Value(db) }),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RowNotFoundException) when (group.IsUid && portfolio.IsUid)
        {
            // A foreign key found a side missing; nothing was written.
            return null;
        }

        return row is null && ignoreExisting ? await FindPairAsync(group, portfolio, cancellationToken).ConfigureAwait(false) : row;
    }

    /// <summary>The membership of a group and a portfolio, each named as the caller named it; null when there is none.</summary>
    private Task<MembershipRecord?> FindPairAsync(RowKey group, RowKey portfolio, CancellationToken cancellationToken)
    {
        var sql = _findPairSql[(group.IsUid ? 1 : 0) | (portfolio.IsUid ? 2 : 0)] ??=
            $"SELECT {Columns} FROM {db.Membership} WHERE portfolio_group_uid = {UidOf(group, db.Group, "@group")} AND portfolio_uid = {UidOf(portfolio, db.Portfolio, "@portfolio")}";
        return db.RunAsync(
            "portfolio_group_membership.get",
            ErrorContext.Read,
            c => c.QueryFirstOrDefaultAsync<MembershipRecord>(sql, new { group = group.Value(db), portfolio = portfolio.Value(db) }),
            cancellationToken);

        static string UidOf(RowKey key, string table, string parameter) =>
            key.IsUid ? parameter : $"(SELECT uid FROM {table} t WHERE {key.Column} = {parameter})";
    }

    /// <summary>
    /// The single-pair insert in one transaction that first finds both sides and locks them
    /// against delete (PostgreSQL: <c>FOR KEY SHARE</c>; SQLite's write transaction excludes every
    /// other writer), so the insert cannot miss a side that was there: the answer is the pair's row,
    /// or which side is missing. For when the single statement found a side missing, which a
    /// concurrent delete and re-creation of the group or portfolio can make momentary.
    /// </summary>
    public Task<LockedInsert> InsertLockedAsync(Guid uid, RowKey group, RowKey portfolio, bool ignoreExisting, CancellationToken cancellationToken) =>
        db.InTransactionAsync(
            async tx =>
            {
                var groupUid = await LockAsync(tx, db.Group, "portfolio_group.lock", group, cancellationToken).ConfigureAwait(false);
                var portfolioUid = await LockAsync(tx, db.Portfolio, "portfolio.lock", portfolio, cancellationToken).ConfigureAwait(false);
                if (groupUid is null || portfolioUid is null)
                {
                    return new LockedInsert(null, GroupMissing: groupUid is null, PortfolioMissing: portfolioUid is null);
                }

                // By the uids just locked; the error context still names the rows as the caller did.
                var (sql, context) = Insert(uid, new RowKey(groupUid, null), new RowKey(portfolioUid, null), ignoreExisting ? OnPairConflict.ReturnExisting : OnPairConflict.Fail, group, portfolio);
                var row = await tx.RunAsync(
                    ignoreExisting ? "portfolio_group_membership.upsert" : "portfolio_group_membership.create",
                    context,
                    c => c.QuerySingleAsync<MembershipRecord>(sql, new { uid = db.Uid(uid), group = db.Uid(groupUid.Value), portfolio = db.Uid(portfolioUid.Value) }, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);
                await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
                return new LockedInsert(row, GroupMissing: false, PortfolioMissing: false);
            },
            cancellationToken,
            rerunnable: true);

    private async Task<Guid?> LockAsync(WriteTransaction tx, string table, string operation, RowKey key, CancellationToken cancellationToken)
    {
        // Aliased: the portfolios may be a derived table over a host's table (PortfolioTable.Existing),
        // whose lock reaches the host's rows.
        var sql = $"SELECT locked.uid FROM {table} locked WHERE locked.{key.Column} = @key{db.LockAgainstDelete}";
        var found = await tx.RunAsync(
            operation,
            ErrorContext.Read,
            c => c.QuerySingleOrDefaultAsync<UidRecord>(sql, new { key = key.Value(db) }, transaction: tx.Transaction),
            cancellationToken).ConfigureAwait(false);
        return found?.Uid;
    }

    /// <summary>What the insert of a pair does when the pair exists.</summary>
    private enum OnPairConflict
    {
        /// <summary>Fails with the pair's unique key.</summary>
        Fail,

        /// <summary>Inserts nothing and returns nothing.</summary>
        Skip,

        /// <summary>Returns the existing pair's row, by a no-op update (in one statement, where a second one could miss a pair deleted in between).</summary>
        ReturnExisting,
    }

    /// <summary>The insert statement of a pair, both sides resolved in it, and its error context (naming the sides as the caller did).</summary>
    private (string Sql, ErrorContext Context) Insert(Guid uid, RowKey group, RowKey portfolio, OnPairConflict onConflict, RowKey? namedGroup = null, RowKey? namedPortfolio = null)
    {
        // Built once per shape (which key names each side, what an existing pair does).
        var shape = (group.IsUid ? 1 : 0) | (portfolio.IsUid ? 2 : 0) | ((int)onConflict << 2);
        var sql = _insertSql[shape] ??=
            $"INSERT INTO {db.Membership} ({Columns}) "
            + (group.IsUid && portfolio.IsUid
                ? "VALUES (@uid, @group, @portfolio)"
                : $"SELECT @uid, g.uid, p.uid FROM {db.Group} g CROSS JOIN {db.Portfolio} p WHERE g.{group.Column} = @group AND p.{portfolio.Column} = @portfolio")
            + onConflict switch
            {
                OnPairConflict.Skip => " ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING",
                OnPairConflict.ReturnExisting => " ON CONFLICT (portfolio_group_uid, portfolio_uid) DO UPDATE SET portfolio_uid = excluded.portfolio_uid",
                _ => "",
            }
            + $" RETURNING {Columns}";
        var groupName = namedGroup ?? group;
        var portfolioName = namedPortfolio ?? portfolio;
        var context = ErrorContext.Deferred(Table, () => new ErrorContext(Table)
            .WithKey("uid", uid.ToString())
            .WithKey(PairKey, $"{groupName}, {portfolioName}")
            .WithReference("portfolio_group_uid", groupName.Column, groupName.ToString())
            .WithReference("portfolio_uid", portfolioName.Column, portfolioName.ToString()));
        return (sql, context);
    }

    // The single-row statements, each built on first use for its shape (db's table names are fixed by then).
    private readonly string?[] _insertSql = new string?[12];
    private readonly string?[] _findPairSql = new string?[4];
    private readonly string?[] _removeSql = new string?[4];
    private string? _findSql;

    /// <summary>Resolves the membership by uid and the sides given (a side not given is null), in one statement.</summary>
    public Task<ResolvedRecord> ResolveAsync(Guid uid, RowKey? group, RowKey? portfolio, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {UidOf(group, db.Group, "@group")} AS group_uid, {UidOf(portfolio, db.Portfolio, "@portfolio")} AS portfolio_uid, "
                  + $"(SELECT uid FROM {db.Membership} WHERE uid = @uid) AS membership_uid";
        return db.RunAsync(
            "portfolio_group_membership.resolve",
            ErrorContext.Read,
            c => c.QuerySingleAsync<ResolvedRecord>(sql, new { uid = db.Uid(uid), group = group?.Value(db), portfolio = portfolio?.Value(db) }),
            cancellationToken);

        static string UidOf(RowKey? key, string table, string parameter) =>
            key is { } k ? $"(SELECT uid FROM {table} t WHERE {k.Column} = {parameter})" : "NULL";
    }

    public Task<MembershipRecord?> FindAsync(Guid uid, CancellationToken cancellationToken)
    {
        var sql = _findSql ??= $"SELECT {Columns} FROM {db.Membership} WHERE uid = @uid";
        return db.RunAsync(
            "portfolio_group_membership.get",
            ErrorContext.Read,
            c => c.QueryFirstOrDefaultAsync<MembershipRecord>(sql, new { uid = db.Uid(uid) }),
            cancellationToken);
    }

    /// <summary>
    /// Points a membership at another group and/or portfolio (a side not given stays), both resolved
    /// in the statement; null when the membership or a side given does not exist.
    /// </summary>
    public Task<MembershipRecord?> MoveAsync(Guid uid, RowKey? group, RowKey? portfolio, CancellationToken cancellationToken)
    {
        var set = new List<string>();
        var where = new List<string> { "uid = @uid" };
        // The pair the membership would become; a side not moved is the membership's own.
        var context = new ErrorContext(Table).WithKey(PairKey, $"{group?.ToString() ?? "(its group)"}, {portfolio?.ToString() ?? "(its portfolio)"}");
        if (group is { } g)
        {
            set.Add($"portfolio_group_uid = (SELECT uid FROM {db.Group} WHERE {g.Column} = @group)");
            where.Add($"EXISTS (SELECT 1 FROM {db.Group} WHERE {g.Column} = @group)");
            context = context.WithReference("portfolio_group_uid", g.Column, g.ToString());
        }

        if (portfolio is { } p)
        {
            set.Add($"portfolio_uid = (SELECT uid FROM {db.Portfolio} pt WHERE {p.Column} = @portfolio)");
            where.Add($"EXISTS (SELECT 1 FROM {db.Portfolio} pt WHERE {p.Column} = @portfolio)");
            context = context.WithReference("portfolio_uid", p.Column, p.ToString());
        }

        var sql = $"UPDATE {db.Membership} SET {string.Join(", ", set)} WHERE {string.Join(" AND ", where)} RETURNING {Columns}";
        return db.RunAsync(
            "portfolio_group_membership.update",
            context,
            c => c.QuerySingleOrDefaultAsync<MembershipRecord>(sql, new { uid = db.Uid(uid), group = group?.Value(db), portfolio = portfolio?.Value(db) }),
            cancellationToken);
    }

    public Task<int> DeleteAsync(Guid uid, CancellationToken cancellationToken)
    {
        var sql = $"DELETE FROM {db.Membership} WHERE uid = @uid";
        return db.RunAsync("portfolio_group_membership.delete", new ErrorContext(Table), c => c.ExecuteAsync(sql, new { uid = db.Uid(uid) }), cancellationToken);
    }

    /// <summary>Deletes the membership of a pair, both sides resolved in the statement.</summary>
    public Task<int> RemoveAsync(RowKey group, RowKey portfolio, CancellationToken cancellationToken)
    {
        var sql = _removeSql[(group.IsUid ? 1 : 0) | (portfolio.IsUid ? 2 : 0)] ??=
            $"DELETE FROM {db.Membership} WHERE portfolio_group_uid = (SELECT uid FROM {db.Group} WHERE {group.Column} = @group) "
            + $"AND portfolio_uid = (SELECT uid FROM {db.Portfolio} pt WHERE {portfolio.Column} = @portfolio)";
        return db.RunAsync(
            "portfolio_group_membership.remove",
            RemoveContext,
            c => c.ExecuteAsync(sql, new { group = group.Value(db), portfolio = portfolio.Value(db) }),
            cancellationToken);
    }

    /// <summary>Deletes memberships by uid, in one statement.</summary>
    public Task<int> BulkDeleteAsync(KeySet uids, CancellationToken cancellationToken)
    {
        if (Selection.NamedRows(db, uids, db.Membership, "@uids", "@ids") is not { } named)
        {
            return Task.FromResult(0);
        }

        var sql = db.DeleteJoined(db.Membership, named);
        return db.RunAsync(
            "portfolio_group_membership.bulk_delete",
            new ErrorContext(Table),
            c => c.ExecuteAsync(sql, new { uids = Selection.Uids(db, uids) }),
            cancellationToken);
    }

    /// <summary>Deletes the memberships whose group is in <paramref name="groups"/> and whose portfolio is in <paramref name="portfolios"/> (a side not given is not restricted), in one statement.</summary>
    public Task<int> BulkDeleteAsync(KeySet groups, KeySet portfolios, CancellationToken cancellationToken)
    {
        var (from, where) = Selection.ScopeFrom(db, groups, portfolios, "m");
        var sql = db.DeleteJoined(db.Membership, $"(SELECT m.uid FROM {from} WHERE {where})");
        return db.RunAsync(
            "portfolio_group_membership.bulk_delete",
            new ErrorContext(Table),
            c => c.ExecuteAsync(sql, Selection.ScopeParameters(db, groups, portfolios)),
            cancellationToken);
    }

    public async Task<Page<MembershipRecord>> FilterAsync(KeySet groups, KeySet portfolios, PageQuery page, CancellationToken cancellationToken)
    {
        // The scope joined, then ordered and cut outside (as Selection.FilterPage does): with the
        // LIMIT in view, PostgreSQL may walk the whole primary key in order betting on an early page.
        var (from, where) = Selection.ScopeFrom(db, groups, portfolios, "m");
        var bound = page.After is null ? "" : " AND m.uid > @after";
        var sql = $"SELECT {Columns} FROM (SELECT m.uid, m.portfolio_group_uid, m.portfolio_uid FROM {from} WHERE {where}{bound}{db.KeepSubquery}) AS s ORDER BY uid LIMIT @limit";
        var rows = await db.RunAsync(
            "portfolio_group_membership.filter",
            ErrorContext.Read,
            c => c.QueryAsync<MembershipRecord>(sql, Selection.ScopeParameters(db, groups, portfolios, page)),
            cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, m => m.Uid);
    }

    /// <summary>The portfolios of a group, in portfolio uid order; an empty page when the group has none or does not exist.</summary>
    public async Task<Page<PortfolioRecord>> PortfoliosOfGroupAsync(RowKey group, PageQuery page, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {PortfolioRepository.Columns("p.")} FROM {db.Membership} m JOIN {db.Portfolio} p ON p.uid = m.portfolio_uid "
                  + $"WHERE m.portfolio_group_uid = (SELECT uid FROM {db.Group} WHERE {group.Column} = @group){Selection.Page(page, "m.portfolio_uid", "p.uid")}";
        var rows = await db.RunAsync(
            "portfolio_group.portfolios",
            ErrorContext.Read,
            c => c.QueryAsync<PortfolioRecord>(sql, new { group = group.Value(db), after = Selection.After(db, page), limit = page.Limit }),
            cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, p => p.Uid);
    }

    /// <summary>The groups of a portfolio, in group uid order; an empty page when it has none or does not exist.</summary>
    public async Task<Page<PortfolioGroupRecord>> GroupsOfPortfolioAsync(RowKey portfolio, PageQuery page, CancellationToken cancellationToken)
    {
        var sql = $"SELECT {PortfolioGroupRepository.Columns("g.")} FROM {db.Membership} m JOIN {db.Group} g ON g.uid = m.portfolio_group_uid "
                  + $"WHERE m.portfolio_uid = (SELECT uid FROM {db.Portfolio} pt WHERE {portfolio.Column} = @portfolio){Selection.Page(page, "m.portfolio_group_uid", "g.uid")}";
        var rows = await db.RunAsync(
            "portfolio.groups",
            ErrorContext.Read,
            c => c.QueryAsync<PortfolioGroupRecord>(sql, new { portfolio = portfolio.Value(db), after = Selection.After(db, page), limit = page.Limit }),
            cancellationToken).ConfigureAwait(false);
        return page.ToPage(rows, g => g.Uid);
    }
}
