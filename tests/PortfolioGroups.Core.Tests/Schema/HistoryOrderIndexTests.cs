using Dapper;
using PortfolioGroups.Schema;
using PortfolioGroups.Tests.Support;

namespace PortfolioGroups.Tests.Schema;

/// <summary>
/// Migration 2026120204: the membership history is indexed in the orders its paged reads walk (a
/// group's or portfolio's change log by <c>history_id</c>, a group's portfolios as of an instant by
/// portfolio uid), in place of 2026120102's (uid, <c>valid_from</c>) indexes; the statements read in
/// order with no sort, on SQLite without statistics too. Down() puts the two old indexes back.
/// </summary>
[TestFixture(Db.Sqlite)]
[TestFixture(Db.Postgres)]
public sealed class HistoryOrderIndexTests(Db db) : DatabaseTest(db)
{
    private const long Version = 2026120204;

    private static readonly string[] Created =
    [
        "ix_portfolio_group_membership_history_group_opened",
        "ix_portfolio_group_membership_history_portfolio_opened",
        "ix_portfolio_group_membership_history_group_portfolio",
    ];

    private static readonly string[] Dropped = ["ix_portfolio_group_membership_history_group", "ix_portfolio_group_membership_history_portfolio"];

    /// <summary>The identifier indexes of 2026120201, which 2026120207 drops.</summary>
    private static readonly string[] M2026120201Indexes =
        ["ix_portfolio_group_membership_history_group_identifier", "ix_portfolio_group_membership_history_portfolio_identifier"];

    [Test]
    public async Task Migrating_up_replaces_the_valid_from_indexes_with_the_order_indexes_and_down_puts_them_back()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var indexes = await HistoryIndexesAsync(connectionString);
        indexes.Should().Contain(("ix_portfolio_group_membership_history_group_opened", "portfolio_group_uid,history_id"));
        indexes.Should().Contain(("ix_portfolio_group_membership_history_portfolio_opened", "portfolio_uid,history_id"));
        indexes.Should().Contain((PortfolioGroups.Migrations.M2026120303_HistoryCloseLatestOfPair.PairIndex, "portfolio_group_uid,portfolio_uid,history_id"), "2026120303 put history_id in the (group, portfolio) index this version made");
        indexes.Select(i => i.Name).Should().NotContain(Dropped);
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();

        (await store.MigrateDownAsync(Version - 1)).Ran.Should().Equal(MigrationTests.AllVersions.Where(v => v > Version - 1).Reverse());
        var after = await HistoryIndexesAsync(connectionString);
        after.Should().Contain(("ix_portfolio_group_membership_history_group", "portfolio_group_uid,valid_from"));
        after.Should().Contain(("ix_portfolio_group_membership_history_portfolio", "portfolio_uid,valid_from"));
        after.Select(i => i.Name).Should().NotContain(Created);
        after.Select(i => i.Name).Should().BeEquivalentTo(
            indexes.Select(i => i.Name).Except(Created).Except([PortfolioGroups.Migrations.M2026120303_HistoryCloseLatestOfPair.PairIndex])
                .Concat(Dropped).Concat(M2026120201Indexes).Append(PortfolioGroups.Migrations.M2026120302_HistoryCloseByPairIndex.MembershipIndex),
            "nothing else changes (the Downs of 2026120207, 2026120302 and 2026120303, reverted on the way, make the identifier indexes and the membership_uid index again, and drop the (group, portfolio, history_id) index)");
        (await store.CheckSchemaAsync()).Differences.Should().Contain(d => d.Contains(Created[0], StringComparison.Ordinal), "the model expects the index");

        (await store.MigrateAsync()).Ran.Should().Contain(Version);
        (await HistoryIndexesAsync(connectionString)).Should().BeEquivalentTo(indexes);
        (await store.CheckSchemaAsync()).Differences.Should().BeEmpty();
    }

    /// <summary>
    /// The paged reads' statements (as the history repository writes them) walk an index in their
    /// order: no temp b-tree on SQLite (without <c>ANALYZE</c>), no Sort node on PostgreSQL (sorting
    /// and sequential scans priced out, so a plan without a sort exists only if an index gives the order).
    /// </summary>
    [TestCase("change log of a group", "h.portfolio_group_uid = {G} AND (h.valid_to IS NULL OR h.valid_to > {T1}) AND h.valid_from < {T2} AND h.history_id > 0 ORDER BY h.history_id LIMIT 500", "group_opened")]
    [TestCase("change log of a portfolio", "h.portfolio_uid = {P} AND h.history_id > 0 ORDER BY h.history_id LIMIT 500", "portfolio_opened")]
    [TestCase("a group's portfolios as of", "h.portfolio_group_uid = {G} AND h.valid_from <= {T1} AND (h.valid_to IS NULL OR h.valid_to > {T1}) AND h.portfolio_uid > {P} GROUP BY h.portfolio_uid ORDER BY h.portfolio_uid LIMIT 500", "group_portfolio_opened")]
    [TestCase("a group's portfolios as of, past its deletions (2026120206)", "h.portfolio_group_uid = {G} AND h.valid_from <= {T1} AND (h.valid_to IS NULL OR h.valid_to > {T1}) AND h.history_id + 0 > COALESCE((SELECT max(d.last_history_id) FROM {D} d WHERE d.portfolio_group_uid = {G} AND d.deleted_at <= {T1}), 0) AND h.portfolio_uid > {P} GROUP BY h.portfolio_uid ORDER BY h.portfolio_uid LIMIT 500", "group_portfolio_opened")]
    [TestCase("a group's portfolios as of, streamed, past its deletions (2026120206)", "h.portfolio_group_uid = {G} AND h.valid_from <= {T1} AND (h.valid_to IS NULL OR h.valid_to > {T1}) AND h.history_id + 0 > COALESCE((SELECT max(d.last_history_id) FROM {D} d WHERE d.portfolio_group_uid = {G} AND d.deleted_at <= {T1}), 0) ORDER BY h.portfolio_uid", "group_portfolio_opened")]
    public async Task A_paged_history_read_walks_its_index_without_a_sort(string read, string where, string index)
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        await Portfolio.UpsertManyAsync(store, Enumerable.Range(0, 300).Select(i => new PortfolioUpsert($"p{i}")));
        // The group read holds 30 of the history's 2,730 intervals, so a walk of the whole table in
        // history_id order is not the cheap way, however its rows lie in the heap (with a tenth of
        // the history, a primary key walk was sometimes planned for the change log).
        var group = await PortfolioGroup.AddAsync(store, "g0", "G");
        for (var i = 1; i < 10; i++)
        {
            await PortfolioGroup.AddAsync(store, $"g{i}", "G");
        }

        await PortfolioGroupMembership.AddManyAsync(store, Enumerable.Range(0, 10).SelectMany(g => Enumerable.Range(0, g == 0 ? 30 : 300).Select(p => ((PortfolioGroupRef)$"g{g}", (PortfolioRef)$"p{p}"))));
        var portfolio = (await Portfolio.GetAsync(store, "p7"))!;

        var table = Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        var (g, p, t1, t2) = Db == Db.Postgres
            ? ($"'{group.Uid}'::uuid", $"'{portfolio.Uid}'::uuid", "CAST('2100-01-01' AS timestamptz)", "CAST('2100-01-02' AS timestamptz)")
            : ($"'{group.Uid}'", $"'{portfolio.Uid}'", "'2100-01-01 00:00:00.000'", "'2100-01-02 00:00:00.000'");
        var columns = where.Contains("GROUP BY", StringComparison.Ordinal)
            ? $"h.portfolio_uid, (SELECT i.portfolio_unique_identifier FROM {table} i WHERE i.portfolio_uid = h.portfolio_uid ORDER BY i.history_id DESC LIMIT 1)"
            : "h.*";
        var sql = $"SELECT {columns} FROM {table} h WHERE " + where.Replace("{G}", g).Replace("{P}", p).Replace("{T1}", t1).Replace("{T2}", t2)
            .Replace("{D}", Table(SchemaModel.PortfolioGroupDeletionHistory.PhysicalName));

        await using var connection = await OpenPlainConnectionAsync(connectionString);
        string plan;
        if (Db == Db.Postgres)
        {
            await connection.ExecuteAsync($"ANALYZE {table}; SET enable_sort = off; SET enable_seqscan = off; SET enable_bitmapscan = off");
            plan = string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql));
            plan.Should().NotContain("Sort", $"{read}: {plan}");
        }
        else
        {
            plan = string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql)).Select(r => (string)((IDictionary<string, object>)r)["detail"]));
            plan.Should().NotContain("TEMP B-TREE", $"{read}: {plan}");
        }

        plan.Should().Contain("ix_portfolio_group_membership_history_" + index, read);
    }

    /// <summary>
    /// The library's own statement for a page of a group's portfolios as of an instant
    /// (<c>GetPortfoliosPageAsync(store, group, asOf, page)</c>), planned with the page's values on
    /// analysed tables whose statistics mislead: the group holds a quarter of the history, all of it
    /// open, with the newest portfolio uids, while every other interval is closed. PostgreSQL then
    /// expects a few hundred rows of the group past the cursor; given the page's limit as a value, it
    /// read and sorted all of them (a Sort node) for each page. The statement walks an index in the
    /// page's order instead, with no sort, on both databases.
    /// </summary>
    [Test]
    public async Task An_as_of_page_of_a_group_walks_an_index_when_the_statistics_expect_few_rows()
    {
        var connectionString = await NewDatabaseAsync();
        await using var store = await OpenStoreAsync(connectionString);
        var table = Table(SchemaModel.PortfolioGroupMembershipHistory.PhysicalName);
        var group = Guid.Parse("ffffffff-0000-4000-8000-000000000001");
        var after = Guid.Parse("ffffffff-0001-4000-8000-000000001000");
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        const string columns = "membership_uid, portfolio_group_uid, group_unique_identifier, portfolio_uid, portfolio_unique_identifier, valid_from, valid_to";
        await connection.ExecuteAsync(Db == Db.Postgres
            // Autovacuum off: the statistics are this analyze's, for each of the plans below.
            ? $"ALTER TABLE {table} SET (autovacuum_enabled = off); "
              + $"INSERT INTO {table} ({columns}) SELECT gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad(to_hex(i % 50), 12, '0'))::uuid, 'old-' || (i % 50), "
              + "('00000001-0000-4000-8000-' || lpad(to_hex(i / 10), 12, '0'))::uuid, 'p-' || (i / 10), now() - interval '2 days', now() - interval '1 day' FROM generate_series(0, 59999) i; "
              + $"INSERT INTO {table} ({columns}) SELECT gen_random_uuid(), '{group}', 'big', ('ffffffff-0001-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'q-' || i, now() - interval '1 hour', NULL "
              + $"FROM generate_series(0, 19999) i; ANALYZE {table}"
            : $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 59999) INSERT INTO {table} ({columns}) "
              + "SELECT printf('00000002-0000-4000-8000-%012x', i), printf('00000000-0000-4000-8000-%012x', i % 50), 'old-' || (i % 50), printf('00000001-0000-4000-8000-%012x', i / 10), 'p-' || (i / 10), "
              + "strftime('%Y-%m-%d %H:%M:%f', 'now', '-2 days'), strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 days') FROM n; "
              + $"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19999) INSERT INTO {table} ({columns}) "
              + $"SELECT printf('00000003-0000-4000-8000-%012x', i), '{group}', 'big', printf('ffffffff-0001-4000-8000-%012x', i), 'q-' || i, strftime('%Y-%m-%d %H:%M:%f', 'now', '-1 hours'), NULL FROM n; "
              + "ANALYZE");

        // By uid; by the one uid an identifier named (the group's "big"), which reads the same way; and
        // by two uids one identifier named (the group and one of another identifier), which merges two
        // such walks. PostgreSQL's Merge Append names its order as a "Sort Key", and an Incremental Sort
        // above it orders only the rows of one portfolio by group uid; a Sort node would read everything first.
        var database = store.Database;
        var repository = new PortfolioGroups.Repositories.MembershipRepository(database);
        var other = Guid.Parse("00000000-0000-4000-8000-000000000007");

        // The statement's plan, which must not sort: no Sort node on PostgreSQL (its Merge Append
        // names its order as a "Sort Key"), no temp b-tree on SQLite.
        // (The plans are read where the parameters' types are known: Dapper.AOT writes each call's binding.)
        string Unsorted(string plan, string read)
        {
            if (Db == Db.Postgres)
            {
                plan.Should().NotMatchRegex(@"(^|->)\s*Sort\b", $"{read}: {plan}");
            }
            else
            {
                plan.Should().NotContain("TEMP B-TREE", $"{read}: {plan}");
            }

            return plan;
        }

        foreach (var (how, key) in new[]
                 {
                     (PortfolioGroups.Repositories.MembershipRepository.InForceKey.Uid, database.Uid(group)),
                     (PortfolioGroups.Repositories.MembershipRepository.InForceKey.OneUidOfIdentifier, database.Uid(group)),
                     (PortfolioGroups.Repositories.MembershipRepository.InForceKey.UidsOfIdentifier, database.UidSet([group, other])),
                 })
        {
            var sql = repository.InForceSql(PortfolioGroups.Repositories.MembershipRepository.HistorySide.Group, how, after: true, limit: true, uids: 2);
            var parameters = new { key, asOf = database.InstantValue(DateTimeOffset.UtcNow), after = database.Uid(after), limit = 501, identifier = "big" };
            var plan = Unsorted(Db == Db.Postgres
                ? string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql, parameters))
                : string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, parameters)).Select(r => (string)((IDictionary<string, object>)r)["detail"])), how.ToString());
            plan.Should().Contain("ix_portfolio_group_membership_history_", $"{how}: {plan}");
        }

        // The change log's page by uid, and by the uids an identifier named (one; two merged), reads
        // in history_id order without a sort too.
        var groupKey = new PortfolioGroups.Repositories.RowKey(group, null);
        var named = new PortfolioGroups.Repositories.RowKey(null, "big");
        foreach (var (read, sql, key) in new[]
                 {
                     ("change log by uid", repository.HistorySql(groupKey, null, null, null, after: true, limit: true), database.Uid(group)),
                     ("change log by the one uid of an identifier", repository.HistorySql(named, null, null, null, after: true, limit: true, (PortfolioGroups.Repositories.MembershipRepository.HistorySide.Group, 1)), database.Uid(group)),
                     ("change log by two uids of an identifier", repository.HistorySql(named, null, null, null, after: true, limit: true, (PortfolioGroups.Repositories.MembershipRepository.HistorySide.Group, 2)), database.UidSet([group, other])),
                 })
        {
            var parameters = new { group = key, named = key, identifier = "big", after = 10L, limit = 501 };
            var plan = Unsorted(Db == Db.Postgres
                ? string.Join("\n", await connection.QueryAsync<string>("EXPLAIN " + sql, parameters))
                : string.Join("\n", (await connection.QueryAsync("EXPLAIN QUERY PLAN " + sql, parameters)).Select(r => (string)((IDictionary<string, object>)r)["detail"])), read);

            // In history_id order: the (group, history_id) index, or on these statistics (the group a
            // quarter of the history) PostgreSQL's walk of the primary key, which needs no sort either.
            plan.Should().MatchRegex("ix_portfolio_group_membership_history_group_opened|pk_portfolio_group_membership_history", $"{read}: {plan}");
        }

        var page = await PortfolioGroup.GetPortfoliosPageAsync(store, group, DateTimeOffset.UtcNow, PageRequest.First(500));
        page.Items.Should().HaveCount(500, "the seeded group is read");
    }

    private async Task<IReadOnlyList<(string Name, string Columns)>> HistoryIndexesAsync(string connectionString)
    {
        await using var connection = await OpenPlainConnectionAsync(connectionString);
        var tables = await PhysicalSchema.ReadAsync(connection, PostgresSchema);
        return [.. tables[SchemaModel.PortfolioGroupMembershipHistory.PhysicalName].Indexes
            .Where(i => !i.Name.StartsWith("pk_", StringComparison.Ordinal) && !i.Name.StartsWith("sqlite_", StringComparison.Ordinal))
            .Select(i => (i.Name, string.Join(",", i.Columns)))];
    }
}
