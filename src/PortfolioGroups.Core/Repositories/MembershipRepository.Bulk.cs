using Dapper;
using PortfolioGroups.Storage;

namespace PortfolioGroups.Repositories;

/// <summary>A validated pair of references, as a bulk membership call streams them.</summary>
internal readonly record struct PairKeys(RowKey Group, RowKey Portfolio);

/// <summary>
/// What a bulk membership write did, or, when <see cref="Missing"/> is not empty, the first few
/// references that name no row (and their totals): then nothing was written.
/// </summary>
internal sealed record BulkMembershipRecord(long Added, long Unchanged, long Removed, IReadOnlyList<MissingRecord> Missing);

/// <summary>
/// Bulk membership writes: the input streams into a temporary table in batches, then a few
/// set-based statements resolve the references (one snapshot), report the missing ones, and
/// insert (and, for a replace, delete) in the same transaction.
/// </summary>
internal sealed partial class MembershipRepository
{
    private static readonly TempTable Pairs = new(
        "portfoliogroups_bulk_pairs",
        [
            new("pos", TempColumnKind.Integer),
            new("uid", TempColumnKind.Uuid),
            new("group_uid", TempColumnKind.Uuid),
            new("group_id", TempColumnKind.Text),
            new("portfolio_uid", TempColumnKind.Uuid),
            new("portfolio_id", TempColumnKind.Text),
        ]);

    /// <summary>
    /// Adds the membership of every pair, in one transaction; duplicates in the input count once.
    /// When a reference names no row, nothing is written and the record lists the missing ones.
    /// </summary>
    public Task<BulkMembershipRecord> AddManyAsync(IAsyncEnumerable<PairKeys> pairs, Action<long>? consumed, CancellationToken cancellationToken) =>
        db.InTransactionAsync(
            async tx => (await WriteAsync(tx, group: null, pairs, consumed, cancellationToken).ConfigureAwait(false))!,
            cancellationToken);

    /// <summary>
    /// Adds portfolios to one group (or, with <paramref name="replace"/>, makes the group hold
    /// exactly them), in one transaction. Null when the group does not exist; when a portfolio
    /// reference names no row, nothing is written and the record lists the missing ones.
    /// </summary>
    public Task<BulkMembershipRecord?> SetPortfoliosAsync(RowKey group, IAsyncEnumerable<RowKey> portfolios, bool replace, Action<long>? consumed, CancellationToken cancellationToken) =>
        db.InTransactionAsync(
            async tx =>
            {
                // Read (and, for a replace, locked against other replaces and deletes) first, so an
                // empty input still names an existing group, and the input carries its uid.
                var lockRow = replace ? db.LockForUpdate : "";
                var sql = $"SELECT uid FROM {db.Group} WHERE {group.Column} = @group{lockRow}";
                var found = await tx.RunAsync(
                    "portfolio_group.get",
                    ErrorContext.Read,
                    c => c.QuerySingleOrDefaultAsync<UidRecord>(sql, new { group = group.Value(db) }, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);
                if (found is null)
                {
                    return null;
                }

                var groupKey = new RowKey(found.Uid, null);
                var pairs = portfolios.Select(p => new PairKeys(groupKey, p));
                return await WriteAsync(tx, (group, found.Uid, replace), pairs, consumed, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    private async Task<BulkMembershipRecord?> WriteAsync(
        WriteTransaction tx,
        (RowKey Key, Guid Uid, bool Replace)? group,
        IAsyncEnumerable<PairKeys> pairs,
        Action<long>? consumed,
        CancellationToken cancellationToken)
    {
        var byIdentifier = false;
        var repeats = new RepeatWatch();
        var rows = await BulkLoad.FillAsync(
            tx,
            Pairs,
            "portfolio_group_membership.bulk_load",
            pairs,
            (pair, position) =>
            {
                byIdentifier |= pair.Group.UniqueIdentifier is not null || pair.Portfolio.UniqueIdentifier is not null;
                repeats.Add(pair);

                return PairRow(pair, position);
            },
            consumed,
            cancellationToken).ConfigureAwait(false);

        // Two ways to the same write. Pairs named by uid go straight from the input into the table:
        // the foreign keys find a missing row (only a new pair can name one), and only then is the
        // missing-reference report run. Pairs named by unique identifier are resolved in the same
        // INSERT, joined to the tables' unique-identifier indexes: no second temporary table.
        var written = byIdentifier
            ? await InsertResolvedAsync(tx, group?.Key, rows, repeats.MayRepeat, cancellationToken).ConfigureAwait(false)
            : await InsertByUidAsync(tx, group?.Key, rows, repeats.MayRepeat, cancellationToken).ConfigureAwait(false);
        if (written.Missing.Count > 0)
        {
            // Not committed: the transaction rolls back and nothing is written.
            return new BulkMembershipRecord(0, 0, 0, written.Missing);
        }

        var removed = 0;
        if (group is { Replace: true } replaced)
        {
            // An anti-join: each of the group's memberships is looked up in the input. Written as
            // `IN (... EXCEPT ...)`, PostgreSQL planned a nested loop over the temporary table it
            // had no statistics for (it never analyzes one by itself) and took minutes for 100,000
            // pairs; with the table analyzed, the anti-join hashes the input once. SQLite builds an
            // automatic index on the input for the lookups.
            if (db.AnalyzeTempTable(Pairs) is { } analyze)
            {
                await tx.RunAsync(
                    "portfolio_group_membership.bulk_analyze",
                    ErrorContext.Read,
                    c => c.ExecuteAsync(analyze, transaction: tx.Transaction),
                    cancellationToken).ConfigureAwait(false);
            }

            var input = db.TempTableName(Pairs);
            var delete = $"DELETE FROM {db.Membership} AS d WHERE d.portfolio_group_uid = @group "
                         + $"AND NOT EXISTS (SELECT 1 FROM {input} s WHERE s.portfolio_uid = d.portfolio_uid)";
            if (byIdentifier)
            {
                delete += $" AND NOT EXISTS (SELECT 1 FROM {input} s JOIN {db.Portfolio} x ON x.unique_identifier = s.portfolio_id WHERE x.uid = d.portfolio_uid)";
            }

            removed = await tx.RunAsync(
                "portfolio_group_membership.bulk_replace",
                new ErrorContext(Table),
                c => c.ExecuteAsync(delete, new { group = db.Uid(replaced.Uid) }, transaction: tx.Transaction),
                cancellationToken).ConfigureAwait(false);
        }

        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new BulkMembershipRecord(written.Added, written.Distinct - written.Added, removed, []);
    }

    /// <summary>
    /// Pairs that name both sides by uid: one <c>INSERT ... SELECT</c> from the input, after a
    /// savepoint. A foreign-key failure (a uid that names no row, or a row deleted meanwhile) undoes
    /// the insert alone, and the report of the missing references runs on the input. The distinct
    /// pairs are counted only when some pair was not added (present already, or named twice) and
    /// <paramref name="mayRepeat"/> (see <see cref="RepeatWatch"/>); otherwise every row is one.
    /// </summary>
    private async Task<PairsWritten> InsertByUidAsync(WriteTransaction tx, RowKey? group, long rows, bool mayRepeat, CancellationToken cancellationToken)
    {
        var input = db.TempTableName(Pairs);
        const string Savepoint = "portfoliogroups_bulk_insert";
        await tx.SavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        long added;
        try
        {
            added = await InsertAsync(tx, $"SELECT uid, group_uid, portfolio_uid FROM {input}", group, cancellationToken).ConfigureAwait(false);
        }
        catch (RowNotFoundException)
        {
            await tx.RollbackToSavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            var missing = await MissingAsync(
                tx,
                input,
                $"NOT EXISTS (SELECT 1 FROM {db.Group} x WHERE x.uid = t.group_uid)",
                $"NOT EXISTS (SELECT 1 FROM {db.Portfolio} x WHERE x.uid = t.portfolio_uid)",
                cancellationToken).ConfigureAwait(false);
            if (missing.Count == 0)
            {
                throw; // not a missing reference after all: the translated error stands
            }

            return new PairsWritten(0, 0, missing);
        }

        var distinct = added < rows && mayRepeat
            ? await CountDistinctAsync(tx, $"SELECT DISTINCT group_uid, portfolio_uid FROM {input}", cancellationToken).ConfigureAwait(false)
            : rows;
        return new PairsWritten(added, distinct, []);
    }

    /// <summary>The number of distinct pairs <paramref name="distinctPairs"/> (a <c>SELECT DISTINCT</c>) yields: what a bulk add counts as named when some pairs repeat.</summary>
    private static async Task<long> CountDistinctAsync(WriteTransaction tx, string distinctPairs, CancellationToken cancellationToken)
    {
        var countSql = $"SELECT count(*) AS count FROM ({distinctPairs}) d";
        return (await tx.RunAsync(
            "portfolio_group_membership.bulk_count",
            ErrorContext.Read,
            c => c.QuerySingleAsync<CountRecord>(countSql, transaction: tx.Transaction),
            cancellationToken).ConfigureAwait(false)).Count;
    }

    /// <summary>
    /// Pairs that name a side by unique identifier: like <see cref="InsertByUidAsync"/>, one
    /// <c>INSERT ... SELECT</c> from the input after a savepoint, the identifiers resolved in the
    /// same statement (a side named by uid goes in as given, for the foreign key to check). An
    /// identifier that names no row leaves its side NULL, which the table refuses (a not-null
    /// violation, which the library does not translate: the report below replaces it): the insert
    /// alone is undone, and the missing references are reported from the input. The distinct
    /// pairs are counted only when some pair was not added and <paramref name="mayRepeat"/>.
    /// </summary>
    private async Task<PairsWritten> InsertResolvedAsync(WriteTransaction tx, RowKey? group, long rows, bool mayRepeat, CancellationToken cancellationToken)
    {
        var input = db.TempTableName(Pairs);
        var resolved = $"FROM {input} t LEFT JOIN {db.Group} gi ON gi.unique_identifier = t.group_id "
                       + $"LEFT JOIN {db.Portfolio} pi ON pi.unique_identifier = t.portfolio_id";
        const string Group = "coalesce(t.group_uid, gi.uid)";
        const string Portfolio = "coalesce(t.portfolio_uid, pi.uid)";
        const string Savepoint = "portfoliogroups_bulk_insert";
        await tx.SavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
        long added;
        try
        {
            added = await InsertAsync(tx, $"SELECT t.uid, {Group}, {Portfolio} {resolved}", group, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RowNotFoundException or InvalidValueException or System.Data.Common.DbException)
        {
            await tx.RollbackToSavepointAsync(Savepoint, cancellationToken).ConfigureAwait(false);
            var missing = await MissingAsync(tx, input, Unknown("group", db.Group), Unknown("portfolio", db.Portfolio), cancellationToken).ConfigureAwait(false);
            if (missing.Count == 0)
            {
                throw; // not a missing reference after all: the translated error stands
            }

            return new PairsWritten(0, 0, missing);
        }

        var distinct = added < rows && mayRepeat
            ? await CountDistinctAsync(tx, $"SELECT DISTINCT {Group} AS g, {Portfolio} AS p {resolved}", cancellationToken).ConfigureAwait(false)
            : rows;
        return new PairsWritten(added, distinct, []);

        static string Unknown(string side, string table) =>
            $"(t.{side}_uid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.uid = t.{side}_uid)) "
            + $"OR (t.{side}_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.unique_identifier = t.{side}_id))";
    }

    /// <summary>Inserts the pairs <paramref name="select"/> reads (uid, group uid, portfolio uid), leaving those present alone; returns the rows added.</summary>
    private Task<int> InsertAsync(WriteTransaction tx, string select, RowKey? group, CancellationToken cancellationToken)
    {
        var insert = $"INSERT INTO {db.Membership} ({Columns}) {select} WHERE true "
                     + "ON CONFLICT (portfolio_group_uid, portfolio_uid) DO NOTHING";
        var concurrently = "(deleted while the bulk call ran)";
        var context = new ErrorContext(Table)
            .WithReference("portfolio_group_uid", group?.Column ?? "uid", group?.ToString() ?? concurrently)
            .WithReference("portfolio_uid", "uid", concurrently);
        return tx.RunAsync(
            "portfolio_group_membership.bulk_insert",
            context,
            c => c.ExecuteAsync(insert, transaction: tx.Transaction),
            cancellationToken);
    }

    /// <summary>
    /// The first few references of <paramref name="source"/> (aliased <c>t</c>, with the input's
    /// key columns) that name no row, with their totals: the rows where
    /// <paramref name="groupMissing"/> or <paramref name="portfolioMissing"/> holds.
    /// </summary>
    private static async Task<IReadOnlyList<MissingRecord>> MissingAsync(WriteTransaction tx, string source, string groupMissing, string portfolioMissing, CancellationToken cancellationToken)
    {
        var sql = "SELECT table_name, key_name, key_value, count(*) OVER (PARTITION BY key_name) AS kind_total, "
                  + "count(*) OVER (PARTITION BY table_name) AS table_total, count(*) OVER () AS total FROM ("
                  + $"SELECT DISTINCT @groupTable AS table_name, {KeyName("group")} AS key_name, {KeyValue("group")} AS key_value FROM {source} t WHERE {groupMissing} "
                  + "UNION ALL "
                  + $"SELECT DISTINCT @portfolioTable AS table_name, {KeyName("portfolio")} AS key_name, {KeyValue("portfolio")} AS key_value FROM {source} t WHERE {portfolioMissing}"
                  + ") m ORDER BY table_name DESC, key_name, key_value LIMIT @limit";
        var missing = await tx.RunAsync(
            "portfolio_group_membership.bulk_missing",
            ErrorContext.Read,
            c => c.QueryAsync<MissingRecord>(
                sql,
                new { groupTable = PortfolioGroupRepository.Table, portfolioTable = PortfolioRepository.Table, limit = BulkLoad.MissingListed },
                transaction: tx.Transaction),
            cancellationToken).ConfigureAwait(false);
        return missing.ToList();

        static string KeyName(string side) => $"CASE WHEN t.{side}_uid IS NULL THEN 'unique_identifier' ELSE 'uid' END";

        static string KeyValue(string side) => $"coalesce(CAST(t.{side}_uid AS text), t.{side}_id)";
    }

    /// <summary>
    /// What a bulk insert did: the rows added, the distinct pairs of the input, and the missing
    /// references (then nothing was added).
    /// </summary>
    private sealed record PairsWritten(long Added, long Distinct, IReadOnlyList<MissingRecord> Missing);

    /// <summary>
    /// Watches an input as it streams for a pair that may occur twice, so that the count of
    /// distinct pairs (a statement over the whole input) runs only when one might: a set of 64-bit
    /// hashes of the pairs as named. A repeated hash (a repeated pair, or a collision: about one
    /// chance in 10^7 at 500,000 pairs) says "may repeat"; so does an input longer than
    /// <see cref="Watched"/> pairs, where the set stops growing (10-20 MB at the limit), and an
    /// input that names one side's rows both by uid and by unique identifier, where one row can
    /// hide under two names. Within one kind of name, different names are different rows.
    /// </summary>
    private sealed class RepeatWatch
    {
        /// <summary>The most pairs watched; beyond them the distinct pairs are always counted.</summary>
        public const int Watched = 500_000;

        private HashSet<ulong>? _seen = [];
        private int _groupKinds;
        private int _portfolioKinds;

        /// <summary>True once some pair may have been seen twice.</summary>
        public bool MayRepeat => _seen is null;

        public void Add(PairKeys pair)
        {
            if (_seen is null)
            {
                return;
            }

            _groupKinds |= pair.Group.Uid is null ? 2 : 1;
            _portfolioKinds |= pair.Portfolio.Uid is null ? 2 : 1;
            if (_groupKinds == 3 || _portfolioKinds == 3 || _seen.Count == Watched || !_seen.Add(Hash(Half(pair.Group), Half(pair.Portfolio))))
            {
                _seen = null;
            }
        }

        // A uid's two halves, or a unique identifier's 128-bit FNV-1a hash (the kinds never meet:
        // a side of mixed kinds stops the watch).
        private static (ulong, ulong) Half(RowKey key)
        {
            if (key.Uid is { } uid)
            {
                Span<ulong> halves = stackalloc ulong[2];
                uid.TryWriteBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(halves));
                return (halves[0], halves[1]);
            }

            ulong a = 0xCBF29CE484222325UL, b = 0x84222325CBF29CE4UL;
            foreach (var c in key.UniqueIdentifier!)
            {
                a = (a ^ c) * 0x100000001B3UL;
                b = (b ^ c) * 0x100000001B3UL + 1;
            }

            return (a, b);
        }

        // Each half multiplied by its own odd constant (a bijection) and mixed by the SplitMix64
        // finalizer: distinct pairs collide about as often as random 64-bit values.
        private static ulong Hash((ulong A, ulong B) group, (ulong A, ulong B) portfolio)
        {
            var h = (group.A * 0x9E3779B97F4A7C15UL) ^ (group.B * 0xC2B2AE3D27D4EB4FUL)
                    ^ (portfolio.A * 0x165667B19E3779F9UL) ^ (portfolio.B * 0xD6E8FEB86659FD93UL);
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            return h ^ (h >> 31);
        }
    }

    private object?[] PairRow(PairKeys pair, long position) =>
    [
        position,
        db.Uid(Guid.CreateVersion7()),
        pair.Group.Uid is { } groupUid ? db.Uid(groupUid) : null,
        pair.Group.UniqueIdentifier,
        pair.Portfolio.Uid is { } portfolioUid ? db.Uid(portfolioUid) : null,
        pair.Portfolio.UniqueIdentifier,
    ];
}
